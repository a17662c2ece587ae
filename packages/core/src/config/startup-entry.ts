// `@biged/core/startup`: `@biged/core/config` without `loadConfig` (so without zod and smol-toml), plus
// `loadConfigCached`: what `biged status` needs to start fast. Everything here is also exported from
// `@biged/core`.

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
