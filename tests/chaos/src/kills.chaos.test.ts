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

const TASKS = 5_000;
const WORKERS = 4;
const WORKER_KILLS = 6;

let chaos: ChaosHome | undefined;
const fleets: RunningFleet[] = [];

afterEach(() => {
  // Whatever happened, no fleet outlives its test.
  for (const fleet of fleets.splice(0)) killGroupNow(fleet.pid);
  chaos?.cleanup();
  chaos = undefined;
});

describe('SIGKILL during a 5,000-task run', () => {
  it('kills random workers, then the whole supervisor group; after a restart every task ended exactly once', async () => {
    const started = performance.now();
    const random = createRandom(chaosSeed('kills'));
    chaos = createChaosHome({ workers: WORKERS });
    const db = openLedgerDb(chaos);
    try {
      installTransitionLedger(db);
      const tasks = enqueueChaosTasks(chaos, { count: TASKS, random });
      const flagged = tasks.filter((task) => task.fail).length;
      console.log(
        `[chaos] kills: ${TASKS} tasks enqueued (${flagged} flagged to fail) in ${since(started)} ms`,
      );

      const first = await startFleet(chaos);
      fleets.push(first);
      const pidsAtStart = first.workerPids();
      expect([...pidsAtStart.keys()].sort()).toEqual([...chaos.agents].sort());

      // Random workers, one at a time, each once the fleet made some seeded progress since the last kill
      // (a respawned worker may be killed again before it is ready).
      const killed: { agent: string; pid: number }[] = [];
      for (let kill = 0; kill < WORKER_KILLS; kill++) {
        const before = transitionCount(db);
        await waitFor(() => transitionCount(db) >= before + pick(random, 50, 200), {
          timeoutMs: 30_000,
          what: 'progress before the next worker kill',
        });
        const live = [...first.workerPids()].filter(([, pid]) => isAlive(pid));
        expect(live.length, 'no live worker to kill').toBeGreaterThan(0);
        const [agent, pid] = live[pick(random, 0, live.length - 1)]!;
        process.kill(pid, 'SIGKILL');
        killed.push({ agent, pid });
      }
      console.log(`[chaos] kills: SIGKILLed ${killed.map(({ agent, pid }) => `${agent}/${pid}`).join(', ')}`);
      // The supervisor respawned every killed agent: a new, live pid, and it stayed up itself.
      await waitFor(
        () =>
          killed.every(({ agent }) => {
            const next = first.workerPids().get(agent);
            return next !== undefined && isAlive(next) && !killed.some((dead) => dead.pid === next);
          }),
        { timeoutMs: 60_000, what: 'the supervisor to respawn every killed worker' },
      );
      expect(isAlive(first.pid), 'the supervisor died when its workers were killed').toBe(true);

      // Then the whole process group, mid-run.
      await waitFor(() => transitionCount(db) >= TASKS * 0.45, {
        timeoutMs: 90_000,
        what: '45% of the tasks to end',
      });
      await first.killGroup();
      const left = unfinishedCount(db);
      const running = (
        db.prepare("SELECT count(*) AS n FROM tasks WHERE status = 'RUNNING'").get() as { n: number }
      ).n;
      console.log(`[chaos] kills: group killed with ${left} tasks unfinished, ${running} RUNNING`);
      expect(left, 'the group kill came after the run ended: it proves nothing').toBeGreaterThan(0);

      // A fresh supervisor: boot recovery returns the dead workers' tasks, and the fleet finishes the run.
      const second = await startFleet(chaos);
      fleets.push(second);
      await waitFor(() => unfinishedCount(db) === 0, {
        timeoutMs: 150_000,
        everyMs: 200,
        what: 'every task to end after the restart',
      });
      await second.stop();

      const report = ledgerReport(readSqliteLedger(db), tasks);
      console.log(
        `[chaos] kills: ${JSON.stringify(report.byStatus)}, ${report.retriedDone} DONE tasks needed >1 attempt, ` +
          `${report.unflaggedFailed.length} unflagged FAILED by recovery`,
      );
      expectEveryTaskEndedOnce(report, { total: TASKS, recovery: true });
      // The kills caught tasks in flight: some DONE tasks ran more than once.
      expect(report.retriedDone).toBeGreaterThan(0);
      console.log(`[chaos] kills: scenario took ${since(started)} ms`);
    } finally {
      db.close();
    }
  });
});
