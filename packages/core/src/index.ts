export type { AgentSpec } from './config/agents';
export { affinityOf, DEFAULT_ROLES, resolveAgents, roleOfAgent } from './config/agents';
export type { FleetConfig, FleetConfigInput } from './config/fleet-config-schema';
export {
  affinitySectionSchema,
  budgetsSectionSchema,
  fleetConfigSchema,
  fleetSectionSchema,
  modelsSectionSchema,
  queueSectionSchema,
  workersSectionSchema,
} from './config/fleet-config-schema';
export type { LoadConfigOptions, LoadedConfig } from './config/load-config';
export { loadConfig, parseFleetConfig } from './config/load-config';
export type { QueueOptionsFromConfig } from './config/queue-options';
export { queueOptionsFromConfig } from './config/queue-options';
export type { BigedErrorOptions, ConfigIssue } from './errors';
export { BigedError, ConfigError, PayloadError, toError } from './errors';
export type { FleetPaths, ResolveHomeOptions } from './home/fleet-home';

export { fleetPaths, resolveHome } from './home/fleet-home';
export type { ParsePayloadOptions } from './json/parse-payload';
export { DEFAULT_MAX_PAYLOAD_BYTES, parsePayload } from './json/parse-payload';
export type { CreateLoggerOptions, Logger } from './logger/create-logger';
export { createLogger, createSilentLogger } from './logger/create-logger';
export type { Agent, AgentStatus, Task, TaskStatus } from './task/task';
export {
  DEFAULT_PRIORITY,
  MAX_PRIORITY,
  MIN_PRIORITY,
  TASK_STATUSES,
  TERMINAL_STATUSES,
} from './task/task';
export { VERSION } from './version';
