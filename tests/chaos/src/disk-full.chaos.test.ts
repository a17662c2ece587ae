import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
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
  type RunningFleet,
  readSqliteLedger,
  since,
  startFleet,
  unfinishedCount,
  waitFor,
} from './harness';

const TASKS = 1_000;
const WORKERS = 3;
const FULL = '/dev/full';

let chaos: ChaosHome | undefined;
let fleet: RunningFleet | undefined;

afterEach(() => {
  if (fleet) killGroupNow(fleet.pid);
  chaos?.cleanup();
  chaos = fleet = undefined;
});

describe('a full disk under the logs folder', () => {
  // Every log file of the fleet is a symlink to /dev/full, so each write any process makes to its log
  // fails with a real ENOSPC. The links are in place before the fleet starts: a process keeps writing to
  // the file it opened, so links swapped in mid-run would only reach processes started later. Here every
  // line of the whole run (start, every task, stop) hits the full disk.
  it.skipIf(!existsSync(FULL))('no process crashes and every task still ends exactly once', async () => {
    const started = performance.now();
    const random = createRandom(chaosSeed('disk-full'));
    chaos = createChaosHome({ workers: WORKERS });
    mkdirSync(chaos.logs, { recursive: true });
    const logFiles = ['supervisor', ...chaos.agents].map((name) => path.join(chaos!.logs, `${name}.log`));
    for (const file of logFiles) symlinkSync(FULL, file);
    // The disk really is full for them.
    expect(() => writeFileSync(logFiles[0]!, '{}\n', { flag: 'a' })).toThrow(/ENOSPC/);

    const db = openLedgerDb(chaos);
    try {
      installTransitionLedger(db);
      const tasks = enqueueChaosTasks(chaos, { count: TASKS, random });
      fleet = await startFleet(chaos);
      console.log(`[chaos] disk-full: fleet ready after ${since(started)} ms with every log on ${FULL}`);
      const workersBefore = fleet.workerPids();
      expect(workersBefore.size).toBe(WORKERS);

      await waitFor(() => unfinishedCount(db) === 0, {
        timeoutMs: 90_000,
        everyMs: 200,
        what: 'every task to end with the logs on a full disk',
      });
      // Nothing crashed: the same supervisor and workers, never respawned, and no crash report.
      expect(isAlive(fleet.pid)).toBe(true);
      expect(fleet.workerPids()).toEqual(workersBefore);
      for (const pid of workersBefore.values()) expect(isAlive(pid)).toBe(true);
      const restarts = db.prepare('SELECT name, restarts FROM agents ORDER BY name').all();
      expect(restarts).toEqual([...workersBefore.keys()].sort().map((name) => ({ name, restarts: 0 })));
      await fleet.stop();
      const exit = await fleet.exited;
      expect(exit, 'biged up did not exit cleanly on SIGTERM').toEqual({ code: 0, signal: null });
      const reports = path.join(chaos.home, 'reports', 'debug');
      expect(existsSync(reports) ? readdirSync(reports) : []).toEqual([]);
      // Every log went to the full disk: the links are still there and no other log file appeared.
      for (const file of logFiles) {
        expect(lstatSync(file).isSymbolicLink()).toBe(true);
        expect(readlinkSync(file)).toBe(FULL);
      }
      expect(readdirSync(chaos.logs).sort()).toEqual(logFiles.map((file) => path.basename(file)).sort());

      const report = ledgerReport(readSqliteLedger(db), tasks);
      console.log(`[chaos] disk-full: ${JSON.stringify(report.byStatus)}`);
      expectEveryTaskEndedOnce(report, { total: TASKS, recovery: false });
      console.log(`[chaos] disk-full: scenario took ${since(started)} ms`);
    } finally {
      db.close();
    }
  });
});
