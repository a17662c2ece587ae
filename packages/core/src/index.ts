export type { AgentSpec } from './config/agents';
export {
  affinityOf,
  DEFAULT_ROLES,
  localAgentName,
  resolveAgents,
  resolveHostAgents,
  roleOfAgent,
} from './config/agents';
export type { FleetConfig, FleetConfigInput } from './config/fleet-config-schema';
export {
  affinitySectionSchema,
  budgetsSectionSchema,
  fleetConfigSchema,
  fleetSectionSchema,
  modelsSectionSchema,
  namingSectionSchema,
  providerLimitsSchema,
  queueSectionSchema,
  routerSectionSchema,
  scheduleEntrySchema,
  workersSectionSchema,
} from './config/fleet-config-schema';
export type { LoadConfigOptions, LoadedConfig } from './config/load-config';
export { loadConfig, MAX_CONFIG_BYTES, parseFleetConfig } from './config/load-config';
export type { LoadConfigCachedOptions } from './config/load-config-cached';
export { loadConfigCached } from './config/load-config-cached';
export type { QueueOptionsFromConfig, QueueTarget } from './config/queue-options';
export {
  agentHostFromConfig,
  deviceNameFromConfig,
  deviceNameOf,
  hostDatabaseFromConfig,
  queueOptionsFromConfig,
  queueTargetFromConfig,
  redactUrl,
} from './config/queue-options';
export type {
  JsonSecretFinding,
  RedactedText,
  RedactJsonOptions,
  ScanSecretsOptions,
  SecretFinding,
} from './dlp/scan-secrets';
export {
  DLP_MAX_SCAN_CHARS,
  REDACTED_PREFIX,
  redactJson,
  redactSecrets,
  scanForSecrets,
  shannonEntropy,
} from './dlp/scan-secrets';
export type {
  BigedErrorOptions,
  ConfigIssue,
  DlpErrorCode,
  FsGuardAccess,
  ModelCallErrorOptions,
  RetryErrorOptions,
  RetryErrorReason,
  RouterOfflineErrorOptions,
} from './errors';
export {
  BigedError,
  ConfigError,
  DlpError,
  FsGuardError,
  ModelCallError,
  PayloadError,
  RetryError,
  RouterOfflineError,
  toError,
} from './errors';
export type { WriteFileAtomicOptions } from './fs/write-file-atomic';
export { writeFileAtomic, writeFileAtomicSync } from './fs/write-file-atomic';
export type {
  CreateFileSystemGuardOptions,
  FileSystemGuard,
  FsCheckOptions,
  FsCheckResult,
  FsGuardDecision,
  FsZone,
  FsZoneAccess,
} from './fs-guard/create-file-system-guard';
export {
  createFileSystemGuard,
  FS_GUARD_MAX_NAME_BYTES,
  FS_GUARD_MAX_PATH_BYTES,
} from './fs-guard/create-file-system-guard';
export type { FleetPaths, ResolveHomeOptions } from './home/fleet-home';

export { fleetPaths, resolveHome } from './home/fleet-home';
export type { ParsePayloadOptions } from './json/parse-payload';
export { DEFAULT_MAX_PAYLOAD_BYTES, parsePayload } from './json/parse-payload';
export { PAYLOAD_PATH_KEYS, payloadPaths, resolvePayloadPaths } from './json/payload-paths';
export type { CreateLoggerOptions, Logger } from './logger/create-logger';
export { createLogger, createSilentLogger } from './logger/create-logger';
export type { EmbeddedOllamaState, ResolveOllamaHostOptions } from './models/embedded-ollama-state';
export {
  readEmbeddedOllamaState,
  removeEmbeddedOllamaState,
  resolveOllamaHost,
  writeEmbeddedOllamaState,
} from './models/embedded-ollama-state';
export type {
  AcquireOptions,
  CreateRateLimiterOptions,
  EffectiveRateLimits,
  RateLimiter,
  RateLimiterStats,
  RateLimitPermit,
} from './router/create-rate-limiter';
export { createRateLimiter } from './router/create-rate-limiter';
export type {
  CreateRouterOptions,
  FallbackLink,
  Router,
  RouterCallContext,
  RouterEmbedRequest,
  RouterEmbedResult,
  RouterProviderLimits,
  RouterRequest,
  RouterResult,
  RouterRetryOptions,
  RouterStreamPart,
} from './router/create-router';
export { createRouter } from './router/create-router';
export type { Sleep } from './router/delay';
export type {
  EmbedRequestV1,
  EmbedResultV1,
  FinishReasonV1,
  JsonSchemaV1,
  ModelCallOptionsV1,
  ModelMessageV1,
  ModelProviderV1,
  ModelRequestV1,
  ModelResultV1,
  ModelStreamPartV1,
  ModelUsageV1,
} from './router/model-provider-v1';
export type { ParseJsonOutputOptions, ResolvedMessagesV1 } from './router/model-request';
export { estimateTokens, parseJsonOutput, resolveMessages } from './router/model-request';
export type { RetryEvent, RetryWithBackoffOptions } from './router/retry';
export { retryAfterMs, retryWithBackoff } from './router/retry';
export type {
  ModelCallEvent,
  ModelRetryEvent,
  RouterEventListener,
  RouterEventMap,
  UsageFailedEvent,
} from './router/router-events';
export type { UsageEntry, UsageReservation, UsageSink } from './router/usage-sink';
export type {
  CallWithFallbackOptions,
  FallbackFailure,
  FallbackTarget,
  ModelFallbackEvent,
} from './router/with-fallback';
export { callWithFallback, isRetryableError } from './router/with-fallback';
export type {
  CreateSecretsStoreOptions,
  SecretEntry,
  SecretsErrorCode,
  SecretsStore,
  SecretsWriteResult,
} from './secrets';
export {
  createSecretsStore,
  maskSecret,
  quoteSecretValue,
  SECRET_KEY_PATTERN,
  SECRETS_FILE_MODE,
  SecretsError,
} from './secrets';
export type { Agent, AgentStatus, Task, TaskStatus } from './task/task';
export {
  DEFAULT_PRIORITY,
  MAX_PRIORITY,
  MIN_PRIORITY,
  TASK_STATUSES,
  TERMINAL_STATUSES,
} from './task/task';
export { VERSION } from './version';
