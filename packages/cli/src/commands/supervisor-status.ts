import { isProcessAlive, readSupervisorState } from '@biged/fleet/control';

/** Whether a supervisor runs for a home, from its state file plus a liveness check of the pid. */
export interface SupervisorStatus {
  running: boolean;
  pid: number | null;
  started_at: string | null;
  /** True once every worker registered and the fleet takes tasks. */
  ready: boolean;
  workers: { name: string; pid: number | null }[];
}

/** Reads the supervisor state; a state file whose pid is gone counts as not running. */
export function supervisorStatus(home: string): SupervisorStatus {
  const state = readSupervisorState(home);
  if (!state || !isProcessAlive(state.pid)) {
    return { running: false, pid: null, started_at: null, ready: false, workers: [] };
  }
  return {
    running: true,
    pid: state.pid,
    started_at: state.startedAt ?? null,
    ready: state.ready === true,
    workers: state.workers.map((worker) => ({ name: worker.name, pid: worker.pid ?? null })),
  };
}
