import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fleetPaths } from '@biged/core/startup';
import { FleetError } from './errors/fleet-error';
import { clearSupervisorState, isProcessAlive, readSupervisorState } from './supervisor-state';

/** Options for `startDetached`. */
export interface StartDetachedOptions {
  home: string;
  /** argv that runs the foreground supervisor, e.g. `[process.execPath, cliBin, 'up', '--home', home]`. */
  command: string[];
  /** How long to wait for the fleet to be ready. Default 60 s. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Where a detached supervisor's stdout/stderr go. */
export const supervisorOutputFile = (home: string) => path.join(fleetPaths(home).logs, 'supervisor.out');

const tail = (file: string, lines = 20) => {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
};

/**
 * Starts the supervisor in the background (its own process group, detached from the terminal) and resolves
 * once every worker is ready. Throws `FleetError` (`FLEET_START_FAILED`) with the supervisor's last output if
 * it exits first, or `FLEET_START_TIMEOUT`.
 */
export async function startDetached({
  home,
  command,
  timeoutMs = 60_000,
  env = process.env,
}: StartDetachedOptions): Promise<{ pid: number; alreadyRunning: boolean }> {
  const existing = readSupervisorState(home);
  if (existing && isProcessAlive(existing.pid)) return { pid: existing.pid, alreadyRunning: true };
  const [file, ...args] = command;
  if (!file) throw new TypeError('startDetached: command is empty');
  mkdirSync(fleetPaths(home).logs, { recursive: true });
  const output = supervisorOutputFile(home);
  const fd = openSync(output, 'a');
  const child = spawn(file, args, {
    detached: true,
    stdio: ['ignore', fd, fd],
    env: { ...env, BIGED_HOME: home },
  });
  closeSync(fd);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  child.once('exit', (code, signal) => {
    exited = { code, signal };
  });
  child.unref();
  const pid = child.pid;
  if (!pid) throw new FleetError({ code: 'FLEET_START_FAILED', message: `could not start ${file}` });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = readSupervisorState(home);
    if (state?.pid === pid && state.ready) return { pid, alreadyRunning: false };
    if (exited) {
      const { code, signal } = exited;
      throw new FleetError({
        code: 'FLEET_START_FAILED',
        pid,
        message: `the supervisor exited before the fleet was ready (code ${code}, signal ${signal}):\n${tail(output)}`,
        hint: `see ${output} and ${fleetPaths(home).logs}/supervisor.log`,
      });
    }
    await sleep(50);
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {}
  throw new FleetError({
    code: 'FLEET_START_TIMEOUT',
    pid,
    message: `the fleet was not ready within ${timeoutMs} ms:\n${tail(output)}`,
    hint: `see ${output}`,
  });
}

/** Options for `stopSupervisor`. */
export interface StopSupervisorOptions {
  home: string;
  /** How long to wait for a graceful stop before killing the process group. Default 30 s. */
  timeoutMs?: number;
}

const allDead = (pids: number[]) => pids.every((pid) => !isProcessAlive(pid));

async function waitForExit(pids: number[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (allDead(pids)) return true;
    await sleep(50);
  }
  return allDead(pids);
}

/**
 * Stops a running supervisor (SIGTERM: running tasks finish or go back to PENDING) and resolves only once the
 * supervisor and every worker process it recorded have exited; after `timeoutMs` it kills the process group.
 */
export async function stopSupervisor({
  home,
  timeoutMs = 30_000,
}: StopSupervisorOptions): Promise<{ stopped: boolean; pid?: number; forced?: boolean }> {
  const state = readSupervisorState(home);
  if (!state) return { stopped: false };
  const workerPids = state.workers
    .map((worker) => worker.pid)
    .filter((pid): pid is number => typeof pid === 'number');
  if (!isProcessAlive(state.pid)) {
    // The supervisor died without cleaning up; make sure no worker outlives it.
    for (const pid of workerPids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    clearSupervisorState(home);
    return { stopped: false, pid: state.pid };
  }
  process.kill(state.pid, 'SIGTERM');
  const pids = [state.pid, ...workerPids];
  if (await waitForExit(pids, timeoutMs)) return { stopped: true, pid: state.pid };
  for (const pid of [-state.pid, ...pids]) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  if (!(await waitForExit(pids, 5_000))) {
    throw new FleetError({
      code: 'FLEET_STOP_TIMEOUT',
      pid: state.pid,
      message: `fleet processes still running after SIGKILL: ${pids.filter((pid) => isProcessAlive(pid)).join(', ')}`,
    });
  }
  clearSupervisorState(home);
  return { stopped: true, pid: state.pid, forced: true };
}
