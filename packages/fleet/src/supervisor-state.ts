import { readFileSync, rmSync } from 'node:fs';
import { fleetPaths, writeFileAtomicSync } from '@biged/core/startup';

/** What `run/supervisor.json` in the fleet home holds while a supervisor runs. */
export interface SupervisorState {
  pid: number;
  host: string;
  startedAt: string;
  /** True once every worker has registered and the fleet takes tasks. */
  ready: boolean;
  workers: { name: string; pid: number | null }[];
}

/** Reads the supervisor state file, or undefined when none exists or it is unreadable. */
export function readSupervisorState(home: string): SupervisorState | undefined {
  try {
    return JSON.parse(
      readFileSync(fleetPaths(home).supervisorPid.replace(/\.pid$/, '.json'), 'utf8'),
    ) as SupervisorState;
  } catch {
    return undefined;
  }
}

/** Path of the state file for a home. */
export function supervisorStatePath(home: string): string {
  return fleetPaths(home).supervisorPid.replace(/\.pid$/, '.json');
}

/** Writes the state file atomically (temp file + rename), so readers never see half a file. */
export function writeSupervisorState(home: string, state: SupervisorState): void {
  writeFileAtomicSync(supervisorStatePath(home), JSON.stringify(state, null, 2));
}

/** Removes the state file. */
export function clearSupervisorState(home: string): void {
  rmSync(supervisorStatePath(home), { force: true });
}

/** True when a process with this pid exists (signal 0 probe). */
export function isProcessAlive(pid: number | null | undefined): boolean {
  if (!pid || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
