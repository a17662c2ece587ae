import type { FleetControl, FleetControlResult } from '@biged/dashboard';
import type { TaskQueue } from '@biged/queue';

/** Options of `createDashboardFleetControl`. */
export interface DashboardFleetControlOptions {
  /** A queue on the fleet's DB (the dashboard's own). */
  queue: TaskQueue;
  /** The fleet home (its `run/supervisor.json` tells whether a supervisor runs). */
  home: string;
  /** How long a control route waits for the supervisor's reply, ms. Default 30000. */
  timeoutMs?: number;
}

/**
 * The dashboard's process control for `biged dashboard`: requests on the `sup` channel that the supervisor
 * acts on and answers (`@biged/fleet`'s `createSupervisorControlClient`), never signals. Maps the fleet's
 * `FLEET_NOT_RUNNING` to `DASHBOARD_FLEET_NOT_RUNNING` (503) and `FLEET_CONTROL_TIMEOUT` to
 * `DASHBOARD_CONTROL_TIMEOUT` (504). Loads @biged/fleet and @biged/dashboard lazily.
 */
export async function createDashboardFleetControl({
  queue,
  home,
  timeoutMs = 30_000,
}: DashboardFleetControlOptions): Promise<FleetControl> {
  const [{ createSupervisorControlClient, FleetError }, { DashboardError }] = await Promise.all([
    import('@biged/fleet/control'),
    import('@biged/dashboard'),
  ]);
  const client = createSupervisorControlClient({ queue, home, timeoutMs, from: 'dashboard' });
  const mapped = async (call: () => Promise<FleetControlResult>): Promise<FleetControlResult> => {
    try {
      return await call();
    } catch (error) {
      if (FleetError.isInstance(error) && error.code === 'FLEET_NOT_RUNNING')
        throw new DashboardError({
          code: 'DASHBOARD_FLEET_NOT_RUNNING',
          message: error.message,
          hint: 'start it with `biged up`',
          cause: error,
        });
      if (FleetError.isInstance(error) && error.code === 'FLEET_CONTROL_TIMEOUT')
        throw new DashboardError({
          code: 'DASHBOARD_CONTROL_TIMEOUT',
          message: error.message,
          hint: 'see logs/supervisor.log; the supervisor may still act on the request',
          cause: error,
        });
      throw error;
    }
  };
  return {
    start: () => mapped(() => client.start()),
    stop: () => mapped(() => client.stop()),
    restart: (agent) => mapped(() => client.restart(agent)),
  };
}
