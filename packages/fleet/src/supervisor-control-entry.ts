// `@biged/fleet/control`: what commands need to find, stop and control a running supervisor, without the
// worker runtime (`@biged/fleet` itself loads the skills and the model router, and with them the model
// SDKs). `biged status`, `down` and `dashboard` import this entry only.
export type { StopSupervisorOptions } from './detach';
export { stopSupervisor } from './detach';
export type { FleetErrorCode } from './errors/fleet-error';
export { FleetError } from './errors/fleet-error';
export type {
  SupervisorControlAction,
  SupervisorControlClient,
  SupervisorControlClientOptions,
  SupervisorControlReply,
  SupervisorControlRequest,
  SupervisorControlResult,
} from './supervisor-control';
export { createSupervisorControlClient, SUPERVISOR_CONTROL_CHANNEL } from './supervisor-control';
export type { SupervisorState } from './supervisor-state';
export { isProcessAlive, readSupervisorState, supervisorStatePath } from './supervisor-state';
