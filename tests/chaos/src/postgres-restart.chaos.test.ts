import path from 'node:path';
import { createPostgresStore } from '@biged/queue/postgres';
import { startTestPostgres, type TestPostgres } from '@biged/queue/postgres-testing';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChaosHome,
  type ChaosTask,
  chaosSeed,
  createChaosHome,
  createRandom,
  expectEveryTaskEndedOnce,
  type FinalTaskRow,
  isAlive,
  killGroupNow,
  type LedgerRow,
  ledgerReport,
  pick,
  type RunningFleet,
  since,
  startFleet,
  tail,
} from './harness';

const TASKS = 1_000;
const WORKERS = 3;

let server: TestPostgres | undefined;
let chaos: ChaosHome | undefined;
let fleet: RunningFleet | undefined;
let client: pg.Client | undefined;

afterEach(async () => {
  if (fleet) killGroupNow(fleet.pid);
  await client?.end().catch(() => {});
  await server?.stop();
  chaos?.cleanup();
  chaos = fleet = client = server = undefined;
});

/** A fresh connection to the fleet's database (the old one dies with a restart). */
async function connect(url: string): Promise<pg.Client> {
  const next = new pg.Client({ connectionString: url });
  // A restart cuts the connection: the error is expected, the next query reconnects through `reconnect`.
  next.on('error', () => {});
  await next.connect();
  return next;
}

/** The exactly-once ledger in PostgreSQL: a table and a plpgsql trigger, as on SQLite. */
async function installPgLedger(db: pg.Client): Promise<void> {
  await db.query(`
    CREATE TABLE IF NOT EXISTS chaos_transitions (
      seq bigserial PRIMARY KEY,
      task_id bigint NOT NULL,
      old_status text NOT NULL,
      new_status text NOT NULL,
      attempts integer NOT NULL
    );
    CREATE OR REPLACE FUNCTION chaos_finished() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO chaos_transitions (task_id, old_status, new_status, attempts)
      VALUES (NEW.id, OLD.status, NEW.status, NEW.attempts);
      RETURN NULL;
    END $$;
    CREATE TRIGGER chaos_finished AFTER UPDATE OF status ON tasks
      FOR EACH ROW WHEN (NEW.status IN ('DONE', 'FAILED')) EXECUTE FUNCTION chaos_finished();
  `);
}

const countOf = async (db: pg.Client, sql: string) => Number((await db.query(sql)).rows[0].n);

describe('PostgreSQL restarted mid-run', () => {
  it('the fleet rides out the restart and every task ends exactly once', async () => {
    const started = performance.now();
    const random = createRandom(chaosSeed('postgres-restart'));
    server = await startTestPostgres();
    const url = await server.createDatabase('chaos');
    // The store migrates the database; the tasks are enqueued before the fleet starts.
    const store = await createPostgresStore({ url });
    const tasks: ChaosTask[] = [];
    try {
      for (let n = 0; n < TASKS; n++) {
        const fail = random() < 0.02;
        const task = await store.enqueue({
          skill: 'chaos_task',
          payload: { n, sleep_ms: pick(random, 0, 20), fail },
        });
        tasks.push({ id: task.id, fail });
      }
    } finally {
      await store.close();
    }
    client = await connect(url);
    await installPgLedger(client);
    const transitions = async () => countOf(client!, 'SELECT count(*) AS n FROM chaos_transitions');
    const unfinished = async () =>
      countOf(client!, "SELECT count(*) AS n FROM tasks WHERE status NOT IN ('DONE', 'FAILED')");

    // Workers lose their connections in the restart and exit (the supervisor respawns them). The
    // supervisor's own recovery of a dead worker's tasks can fail while the server is down; stale recovery
    // then returns those tasks, so it runs on a short clock here (tasks take <= 20 ms, heartbeats 1 s).
    chaos = createChaosHome({
      workers: WORKERS,
      queueUrl: url,
      stale: { timeoutSecs: 10, checkIntervalSecs: 2 },
    });
    fleet = await startFleet(chaos);
    console.log(`[chaos] postgres-restart: fleet ready after ${since(started)} ms`);
    const workersBefore = fleet.workerPids();

    const target = pick(random, 200, 450);
    for (let done = await transitions(); done < target; done = await transitions()) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const unfinishedAtRestart = await unfinished();
    expect(unfinishedAtRestart, 'the restart came after the run ended: it proves nothing').toBeGreaterThan(0);
    await client.end().catch(() => {});
    const restartStarted = performance.now();
    await server.restart();
    console.log(
      `[chaos] postgres-restart: restarted PostgreSQL in ${since(restartStarted)} ms with ${unfinishedAtRestart} tasks unfinished`,
    );
    client = await connect(url);

    let left = unfinishedAtRestart;
    const deadline = Date.now() + 90_000;
    while (left > 0) {
      if (Date.now() > deadline) {
        const stuck = await client.query(
          `SELECT id, status, claimed_by, attempts, heartbeat_at, error FROM tasks
           WHERE status NOT IN ('DONE', 'FAILED') ORDER BY id LIMIT 10`,
        );
        throw new Error(
          `${left} tasks still unfinished 90 s after the restart: ${JSON.stringify(stuck.rows)}\n` +
            [...workersBefore.keys()]
              .map((agent) => `${agent}.log:\n${tail(path.join(chaos!.logs, `${agent}.log`), 8)}`)
              .join('\n') +
            `\nsupervisor.log:\n${tail(path.join(chaos.logs, 'supervisor.log'), 15)}`,
        );
      }
      if (!isAlive(fleet.pid)) throw new Error('the supervisor died after the PostgreSQL restart');
      await new Promise((resolve) => setTimeout(resolve, 200));
      left = await unfinished();
    }
    const workersAfter = fleet.workerPids();
    const respawned = [...workersBefore].filter(([agent, pid]) => workersAfter.get(agent) !== pid);
    console.log(
      `[chaos] postgres-restart: supervisor survived; ${respawned.length} of ${WORKERS} workers were respawned`,
    );
    expect(isAlive(fleet.pid)).toBe(true);
    await fleet.stop();

    const rows = (
      await client.query(
        `SELECT id::int AS id, status, attempts, max_attempts AS "maxAttempts", result_json AS result, error
         FROM tasks`,
      )
    ).rows as FinalTaskRow[];
    const ledger = (
      await client.query('SELECT task_id::int AS "taskId", new_status AS status FROM chaos_transitions')
    ).rows as LedgerRow[];
    const report = ledgerReport({ rows, ledger }, tasks);
    console.log(
      `[chaos] postgres-restart: ${JSON.stringify(report.byStatus)}, ${report.retriedDone} DONE tasks needed >1 attempt`,
    );
    // Recovery may re-run tasks here: a worker that lost its connection dies (its tasks return at once, or
    // through stale recovery), and a live worker whose settle failed in the restart holds tasks until stale
    // recovery returns them. Either way a task may run twice, but must finish once.
    expectEveryTaskEndedOnce(report, { total: TASKS, recovery: true });
    console.log(`[chaos] postgres-restart: scenario took ${since(started)} ms`);
  });
});
