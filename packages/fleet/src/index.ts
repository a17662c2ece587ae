export type { StartDetachedOptions, StopSupervisorOptions } from './detach';
export { startDetached, stopSupervisor, supervisorOutputFile } from './detach';
export type { CreateEnergyUsageSinkOptions, EnergyRecordingUsageSink } from './energy-usage-sink';
export { createEnergyUsageSink } from './energy-usage-sink';
export type { FleetErrorCode } from './errors/fleet-error';
export { FleetError } from './errors/fleet-error';
export type { CreateHwStateReaderOptions, HwStateReader } from './hw-state-reader';
export {
  createHwStateReader,
  describeHwState,
  HW_STATE_STALE_POLLS,
  isHwStateFresh,
} from './hw-state-reader';
export type { LoadFleetSkillsOptions } from './load-fleet-skills';
export { loadFleetSkills } from './load-fleet-skills';
export type {
  LocalBackend,
  LocalBackendState,
  LocalModelModule,
  StartLocalBackendOptions,
} from './local-backend';
export {
  DEFAULT_OLLAMA_PROBE_TIMEOUT_MS,
  LOCAL_BACKEND_KIND_ENV,
  LOCAL_MODELS_HINT_ENV,
  OLLAMA_HOST_ENV,
  startLocalBackend,
} from './local-backend';
export type { RunSupervisorOptions } from './run-supervisor';
export { runSupervisor } from './run-supervisor';
export type { FleetSnapshot } from './status-file';
export { renderStatusMarkdown, writeStatusMarkdown } from './status-file';
export type { CreateSupervisorOptions, Supervisor, SupervisorEventMap } from './supervisor';
export { createSupervisor, defaultHwMonitorEntry, defaultWorkerEntry } from './supervisor';
export type { SupervisorState } from './supervisor-state';
export { isProcessAlive, readSupervisorState, supervisorStatePath } from './supervisor-state';
export { VERSION } from './version';
export type { RunWorkerOptions, WorkerHandle } from './worker';
export { runWorker, withTierModel } from './worker';
