// `@biged/core/config`: the start-up subset of @biged/core (fleet.toml, the fleet home, task statuses, the
// base errors, atomic writes) without the router, DLP, logger or secrets code, so that a short command such
// as `biged status` loads only what it uses. Everything here is also exported from `@biged/core`.

export type { BigedErrorOptions } from '../errors/biged-error';
export { BigedError } from '../errors/biged-error';
export type { ConfigIssue } from '../errors/config-error';
export { ConfigError } from '../errors/config-error';
export { toError } from '../errors/to-error';
export type { WriteFileAtomicOptions } from '../fs/write-file-atomic';
export { writeFileAtomic, writeFileAtomicSync } from '../fs/write-file-atomic';
export type { FleetPaths, ResolveHomeOptions } from '../home/fleet-home';
export { fleetPaths, resolveHome } from '../home/fleet-home';
export type { Agent, AgentStatus, Task, TaskStatus } from '../task/task';
export { TASK_STATUSES, TERMINAL_STATUSES } from '../task/task';
export type { FleetConfig, FleetConfigInput } from './fleet-config-schema';
export type { LoadConfigOptions, LoadedConfig } from './load-config';
export { loadConfig, MAX_CONFIG_BYTES, parseFleetConfig } from './load-config';
export type { LoadConfigCachedOptions } from './load-config-cached';
export { loadConfigCached } from './load-config-cached';
export type { QueueOptionsFromConfig, QueueTarget } from './queue-options';
export {
  agentHostFromConfig,
  deviceNameFromConfig,
  deviceNameOf,
  hostDatabaseFromConfig,
  queueOptionsFromConfig,
  queueTargetFromConfig,
  redactUrl,
} from './queue-options';
