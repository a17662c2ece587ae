/** What a process-control call reports back to the client. */
export interface FleetControlResult {
  /** True when the supervisor accepted the request. */
  ok: boolean;
  /** A short human-readable summary, e.g. `started 4 workers`. */
  message: string;
}

/**
 * Process control the dashboard's POST routes use. The CLI implements it over the supervisor (control
 * requests on the `sup` channel, see `@biged/fleet`'s `createSupervisorControlClient`; the dashboard never
 * signals processes itself); without one, those routes answer 503. A method may throw `DashboardError`
 * `DASHBOARD_FLEET_NOT_RUNNING` (answered 503) or `DASHBOARD_CONTROL_TIMEOUT` (504); `ok: false` is a 409.
 */
export interface FleetControl {
  /** Starts the fleet's workers (or the supervisor). */
  start(): Promise<FleetControlResult> | FleetControlResult;
  /** Stops the fleet's workers. */
  stop(): Promise<FleetControlResult> | FleetControlResult;
  /** Restarts one worker by agent name, or every worker without one. */
  restart(agent?: string): Promise<FleetControlResult> | FleetControlResult;
}
