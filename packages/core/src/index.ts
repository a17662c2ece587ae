export { VERSION } from './version';

export { BigedError, ConfigError, PayloadError, toError } from './errors';
export type { BigedErrorOptions, ConfigIssue } from './errors';

export {
  affinitySectionSchema,
  budgetsSectionSchema,
  fleetConfigSchema,
  fleetSectionSchema,
  modelsSectionSchema,
  queueSectionSchema,
  workersSectionSchema,
} from './config/fleet-config-schema';
export type { FleetConfig, FleetConfigInput } from './config/fleet-config-schema';
export { loadConfig, parseFleetConfig } from './config/load-config';
export type { LoadConfigOptions, LoadedConfig } from './config/load-config';
export { affinityOf, DEFAULT_ROLES, resolveAgents, roleOfAgent } from './config/agents';
export type { AgentSpec } from './config/agents';

export { fleetPaths, resolveHome } from './home/fleet-home';
export type { FleetPaths, ResolveHomeOptions } from './home/fleet-home';

export { createLogger, createSilentLogger } from './logger/create-logger';
export type { CreateLoggerOptions, Logger } from './logger/create-logger';

export {
  DEFAULT_PRIORITY,
  MAX_PRIORITY,
  MIN_PRIORITY,
  TASK_STATUSES,
  TERMINAL_STATUSES,
} from './task/task';
export type { Agent, AgentStatus, Task, TaskStatus } from './task/task';

export { DEFAULT_MAX_PAYLOAD_BYTES, parsePayload } from './json/parse-payload';
export type { ParsePayloadOptions } from './json/parse-payload';
