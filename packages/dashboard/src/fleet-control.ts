/** What a process-control call reports back to the client. */
export interface FleetControlResult {
  /** True when the supervisor accepted the request. */
  ok: boolean;
  /** A short human-readable summary, e.g. `started 4 workers`. */
  message: string;
}

/**
 * Process control the dashboard's POST routes use. The CLI implements it over the supervisor (the
 * dashboard never signals processes itself); without one, those routes answer 503.
 */
export interface FleetControl {
  /** Starts the fleet's workers (or the supervisor). */
  start(): Promise<FleetControlResult> | FleetControlResult;
  /** Stops the fleet's workers. */
  stop(): Promise<FleetControlResult> | FleetControlResult;
  /** Restarts one worker by agent name, or every worker without one. */
  restart(agent?: string): Promise<FleetControlResult> | FleetControlResult;
}
