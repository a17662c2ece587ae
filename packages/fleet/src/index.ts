export type {
  BuildDebugReportOptions,
  CrashReporter,
  DebugReport,
  InstallCrashReporterOptions,
  WrittenDebugReport,
} from './debug-report';
export {
  buildDebugReport,
  createHomePathAnonymizer,
  DEBUG_REPORT_LOG_LINES,
  dropSecretKeys,
  installCrashReporter,
  sanitizeReport,
  tailLines,
  writeDebugReport,
} from './debug-report';
export type { StartDetachedOptions, StopSupervisorOptions } from './detach';
export { startDetached, stopSupervisor, supervisorOutputFile } from './detach';
export type { CreateEnergyUsageSinkOptions, EnergyRecordingUsageSink } from './energy-usage-sink';
export { createEnergyUsageSink } from './energy-usage-sink';
export type { FleetErrorCode } from './errors/fleet-error';
export { FleetError } from './errors/fleet-error';
export type { IdleCurriculumErrorCode } from './errors/idle-curriculum-error';
export { IdleCurriculumError } from './errors/idle-curriculum-error';
export type { CreateHwStateReaderOptions, HwStateReader } from './hw-state-reader';
export {
  createHwStateReader,
  describeHwState,
  HW_STATE_STALE_POLLS,
  isHwStateFresh,
  localNumGpuFrom,
} from './hw-state-reader';
export type { CreateIdleWorkOptions, IdleCurriculumEntry, IdleWork } from './idle-work';
export { createIdleWork, IDLE_TASK_PRIORITY, parseIdleCurriculum, pickByWeight } from './idle-work';
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
export type { CreateRunningGpuTasksOptions } from './running-gpu-tasks';
export { createRunningGpuTasks } from './running-gpu-tasks';
export type { Scheduler, StartSchedulerOptions } from './scheduler';
export { DEFAULT_SCHEDULER_TICK_MS, scheduleDefinitionsFromConfig, startScheduler } from './scheduler';
export type { FleetSnapshot } from './status-file';
export { renderStatusMarkdown, writeStatusMarkdown } from './status-file';
export type { CreateSupervisorOptions, Supervisor, SupervisorEventMap } from './supervisor';
export { createSupervisor, defaultHwMonitorEntry, defaultWorkerEntry } from './supervisor';
export type {
  SupervisorControlAction,
  SupervisorControlClient,
  SupervisorControlClientOptions,
  SupervisorControlLoop,
  SupervisorControlLoopOptions,
  SupervisorControlReply,
  SupervisorControlRequest,
  SupervisorControlResult,
  WorkerControl,
} from './supervisor-control';
export {
  createSupervisorControlClient,
  SUPERVISOR_CONTROL_CHANNEL,
  startSupervisorControlLoop,
} from './supervisor-control';
export type { SupervisorState } from './supervisor-state';
export { isProcessAlive, readSupervisorState, supervisorStatePath } from './supervisor-state';
export { VERSION } from './version';
export type { RunWorkerOptions, WorkerHandle } from './worker';
export { runWorker, withTierModel } from './worker';
export type { CreateWorkerFsGuardOptions, WorkerFsGuard } from './worker-fs-guard';
export { createWorkerFsGuard } from './worker-fs-guard';
export type { GarbageCollection } from './worker-gc';
export { collectGarbage } from './worker-gc';
export type { CreateWorkflowStepGateOptions, WorkflowStepDecision, WorkflowStepGate } from './workflow-step';
export { CONDITION_FALSE, createWorkflowStepGate } from './workflow-step';
