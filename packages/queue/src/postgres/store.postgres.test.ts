import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueueError } from '../errors/queue-error';
import { describeTaskStoreContract } from '../store/store-contract';
import type { TaskStore } from '../store/task-store';
import { buildPgClaimSql } from './claim-sql';
import { createPostgresStore } from './create-postgres-store';
import { postgresMigrationsFolder } from './migrate-postgres';
import { startTestPostgres, type TestPostgres } from './test-cluster';

let cluster: TestPostgres;
let databases = 0;
beforeAll(async () => {
  cluster = await startTestPostgres();
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

describeTaskStoreContract(
  'PostgreSQL',
  async () => {
    databases += 1;
    const url = await cluster.createDatabase(`contract_${databases}`);
    const stores: TaskStore[] = [await createPostgresStore({ url })];
    return {
      store: stores[0] as TaskStore,
      async another() {
        const store = await createPostgresStore({ url });
        stores.push(store);
        return store;
      },
      async cleanup() {
        for (const store of stores) await store.close();
      },
    };
  },
  { dialect: 'postgres', wakesAcrossStores: true },
);

describe('PostgreSQL store only', () => {
  it('claims by walking the partial claim indexes in order, never a scan or a sort of the tasks table', async () => {
    const url = await cluster.createDatabase('claim_plans');
    const store = await createPostgresStore({ url });
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // 20,000 PENDING tasks over 20 skills and every priority, plus finished ones the indexes leave out.
      await client.query(`INSERT INTO tasks (skill, payload_json, priority, status, created_at)
        SELECT 'skill_' || (n % 20), '{}', 1 + n % 10, CASE WHEN n % 3 = 0 THEN 'DONE' ELSE 'PENDING' END, n
        FROM generate_series(1, 30000) AS n`);
      await client.query('ANALYZE tasks');
      // Generic plans (what a prepared statement settles on after a few runs) must walk the indexes too.
      await client.query('SET plan_cache_mode = force_generic_plan');
      const plan = async (shape: Parameters<typeof buildPgClaimSql>[0], values: unknown[]) => {
        await client.query('DEALLOCATE ALL');
        const types = ['text', 'bigint', ...values.slice(2).map(() => 'text[]')].join(', ');
        await client.query(`PREPARE claim (${types}) AS ${buildPgClaimSql(shape)}`);
        const literals = values.map((value) =>
          Array.isArray(value)
            ? `ARRAY[${value.map((item) => `'${item}'`).join(', ')}]::text[]`
            : `'${value}'`,
        );
        const { rows } = await client.query(`EXPLAIN EXECUTE claim(${literals.join(', ')})`);
        return rows.map((row: { 'QUERY PLAN': string }) => row['QUERY PLAN']).join('\n');
      };
      const shapes: Array<[Parameters<typeof buildPgClaimSql>[0], unknown[]]> = [
        [{ limit: 25, skills: false, preferred: false }, ['w', 1]],
        [{ limit: 25, skills: false, preferred: true }, ['w', 1, ['skill_3']]],
        [{ limit: 25, skills: false, preferred: false, exclude: true }, ['w', 1, ['skill_3']]],
        [
          { limit: 25, skills: true, preferred: true },
          ['w', 1, ['skill_1', 'skill_2', 'skill_3'], ['skill_3']],
        ],
      ];
      for (const [shape, values] of shapes) {
        const text = await plan(shape, values);
        expect(text).toMatch(/Index Scan using tasks_pending(_skill)?_idx/);
        expect(text).toMatch(/Index Scan using tasks_assigned_idx/);
        expect(text).not.toMatch(/Seq Scan on tasks/);
        expect(text).not.toMatch(/Sort\s[^\n]*\n[^\n]*Seq Scan/);
      }
    } finally {
      await client.end();
      await store.close();
    }
  }, 60_000);

  it('migrates once when two stores open an empty database at the same moment', async () => {
    const url = await cluster.createDatabase('migrate_race');
    const stores = await Promise.all([createPostgresStore({ url }), createPostgresStore({ url })]);
    try {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query('SELECT count(*)::int AS count FROM __biged_queue_migrations');
      await client.end();
      const journal = JSON.parse(
        readFileSync(path.join(postgresMigrationsFolder(), 'meta', '_journal.json'), 'utf8'),
      ) as { entries: unknown[] };
      expect(rows[0]).toEqual({ count: journal.entries.length });
      const task = await stores[0]!.enqueue({ skill: 'echo', payload: {} });
      expect((await stores[1]!.getOrThrow(task.id)).status).toBe('PENDING');
      expect(stores[0]!.location).toBe(url);
    } finally {
      for (const store of stores) await store.close();
    }
  }, 60_000);

  it('refuses to open on a server that is not there with QUEUE_DB_UNAVAILABLE, and hides the password', async () => {
    const url = `postgres://postgres:secret@127.0.0.1:${cluster.port + 1}/nowhere`;
    const error = await createPostgresStore({ url }).catch((caught: unknown) => caught);
    expect(QueueError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'QUEUE_DB_UNAVAILABLE' });
    expect((error as Error).message).not.toContain('secret');
    await expect(createPostgresStore({ url: 'mysql://x' })).rejects.toMatchObject({
      code: 'QUEUE_INVALID_ARGUMENT',
    });
  });

  it('survives a PostgreSQL restart: calls fail with QUEUE_DB_UNAVAILABLE meanwhile, then work, and LISTEN resumes', async () => {
    const url = await cluster.createDatabase('restart_check');
    const store = await createPostgresStore({ url });
    const other = await createPostgresStore({ url });
    try {
      await store.enqueue({ skill: 'echo', payload: {} });
      await store.waitForWork({ timeoutMs: 200 });
      const errors: unknown[] = [];
      let restarting = true;
      const restarted = cluster.restart().finally(() => {
        restarting = false;
      });
      // Reads through the pool and writes in transactions, while the server goes down and comes back.
      for (let round = 0; restarting; round++) {
        const call = round % 2 === 0 ? store.counts() : store.enqueue({ skill: 'echo', payload: { round } });
        await call.catch((error: unknown) => errors.push(error));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      await restarted;
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) expect(error).toMatchObject({ code: 'QUEUE_DB_UNAVAILABLE' });
      // The pool dropped its dead connections: the next calls reconnect (allow one more failure on a
      // connection the server closed before the pool noticed).
      const counts = await store.counts().catch(() => store.counts());
      expect(counts.PENDING).toBeGreaterThanOrEqual(1);
      const [claimed] = await store.claimMany({ agent: 'w' }, 1);
      expect(claimed?.status).toBe('RUNNING');
      // LISTEN comes back by itself: let its reconnect wake-up pass, then a submit on another store wakes us.
      await store.waitForWork({ timeoutMs: 4000 });
      let woke = false;
      const waiting = store.waitForWork({ timeoutMs: 60_000 }).then(() => {
        woke = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(woke).toBe(false);
      await other
        .enqueue({ skill: 'echo', payload: {} })
        .catch(() => other.enqueue({ skill: 'echo', payload: {} }));
      await waiting;
      expect(woke).toBe(true);
    } finally {
      await store.close();
      await other.close();
    }
  }, 60_000);
});
