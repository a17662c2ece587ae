import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChaosHome,
  chaosSeed,
  createChaosHome,
  createRandom,
  enqueueChaosTasks,
  expectEveryTaskEndedOnce,
  installTransitionLedger,
  isAlive,
  killGroupNow,
  ledgerReport,
  openLedgerDb,
  pick,
  type RunningFleet,
  readSqliteLedger,
  since,
  startFleet,
  transitionCount,
  unfinishedCount,
  waitFor,
} from './harness';

const TASKS = 1_000;
const WORKERS = 3;
const LOCK_MS = 5_000;
const LOCKER = fileURLToPath(new URL('../fixtures/lock-db.mjs', import.meta.url));

let chaos: ChaosHome | undefined;
let fleet: RunningFleet | undefined;
let lockerPid: number | undefined;

afterEach(() => {
  if (lockerPid !== undefined && isAlive(lockerPid)) process.kill(lockerPid, 'SIGKILL');
  if (fleet) killGroupNow(fleet.pid);
  chaos?.cleanup();
  chaos = fleet = lockerPid = undefined;
});

describe('the database locked by another process for 5 s', () => {
  it('stalls the fleet without killing or respawning anything; afterwards every task ends exactly once', async () => {
    const started = performance.now();
    const random = createRandom(chaosSeed('db-lock'));
    chaos = createChaosHome({ workers: WORKERS });
    const db = openLedgerDb(chaos);
    try {
      installTransitionLedger(db);
      const tasks = enqueueChaosTasks(chaos, { count: TASKS, random });
      fleet = await startFleet(chaos);
      console.log(`[chaos] db-lock: fleet ready after ${since(started)} ms`);
      const workersBefore = fleet.workerPids();
      expect(workersBefore.size).toBe(WORKERS);

      await waitFor(() => transitionCount(db) >= pick(random, 150, 400), {
        timeoutMs: 60_000,
        what: 'the run to be under way',
      });
      // Another process takes the write lock and holds it for 5 s.
      const locker = spawn(process.execPath, [LOCKER, chaos.db, String(LOCK_MS)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      lockerPid = locker.pid;
      let output = '';
      locker.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
      });
      const lockerExit = new Promise<number | null>((resolve) =>
        locker.once('exit', (code) => resolve(code)),
      );
      const lockedAt = await waitFor(() => /locked (\d+)/.exec(output)?.[1], {
        timeoutMs: 30_000,
        what: 'the locker to hold the lock',
      });
      const unfinishedAtLock = unfinishedCount(db);
      expect(unfinishedAtLock, 'the lock came after the run ended: it proves nothing').toBeGreaterThan(0);
      // The fleet stalls: nothing can commit while the lock is held (the reads here go through WAL).
      await sleep(Math.max(0, Number(lockedAt) + 300 - Date.now()));
      const during = transitionCount(db);
      await sleep(Math.max(0, Number(lockedAt) + LOCK_MS - 500 - Date.now()));
      expect(/released/.test(output), 'the lock was released early').toBe(false);
      expect(transitionCount(db), 'a task finished while another process held the write lock').toBe(during);
      expect(await lockerExit).toBe(0);
      console.log(
        `[chaos] db-lock: lock held ${LOCK_MS} ms with ${unfinishedAtLock} tasks unfinished; no commits`,
      );

      await waitFor(() => unfinishedCount(db) === 0, {
        timeoutMs: 90_000,
        everyMs: 200,
        what: 'every task to end after the lock',
      });
      // No process died, so nothing was respawned: the same supervisor and worker pids, all alive.
      expect(isAlive(fleet.pid)).toBe(true);
      expect(fleet.workerPids()).toEqual(workersBefore);
      for (const pid of workersBefore.values()) expect(isAlive(pid)).toBe(true);
      const restarts = db.prepare('SELECT name, restarts FROM agents ORDER BY name').all();
      expect(restarts).toEqual([...workersBefore.keys()].sort().map((name) => ({ name, restarts: 0 })));
      // Before the stop, which logs each worker's (clean) exit.
      const supervisorLog = readFileSync(path.join(chaos.logs, 'supervisor.log'), 'utf8');
      expect(supervisorLog).toContain('"msg":"fleet ready"');
      expect(supervisorLog).not.toMatch(/"msg":"(worker exited|recovered tasks of a dead worker)"/);
      await fleet.stop();

      const report = ledgerReport(readSqliteLedger(db), tasks);
      console.log(`[chaos] db-lock: ${JSON.stringify(report.byStatus)}`);
      expectEveryTaskEndedOnce(report, { total: TASKS, recovery: false });
      console.log(`[chaos] db-lock: scenario took ${since(started)} ms`);
    } finally {
      db.close();
    }
  });
});
