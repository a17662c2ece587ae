import { writeFileSync } from 'node:fs';
import type { TempHome } from '@biged/core/test';
import { createQueue } from '@biged/queue';
import { createPostgresStore } from '@biged/queue/postgres';
import { startTestPostgres, type TestPostgres } from '@biged/queue/postgres-testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';
import type { MigrateJson } from './migrate';
import type { StatusJson } from './status';

let server: TestPostgres;
beforeAll(async () => {
  server = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

describe('biged migrate (SQLite -> PostgreSQL)', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  it('copies tasks, dependencies, messages and alerts with their ids; RUNNING comes back PENDING', async () => {
    const queue = createQueue({ file: home.db });
    const parent = queue.enqueue({ skill: 'noop', payload: { n: 1 } });
    const [first, second] = queue.submitMany([
      { ref: 'a', skill: 'noop', payload: { n: 2 }, parentId: parent.id },
      { ref: 'b', skill: 'noop', payload: { n: 3 }, dependsOn: ['a'] },
    ]);
    const running = queue.claimMany({ agent: 'coder_1', skills: ['noop'] }, 1)[0]!;
    queue.sendMessage({ to: 'coder_1', from: 'operator', body: { text: 'hi' } });
    queue.raiseAlert({ type: 'thermal', severity: 'warning', message: 'warm', source: 'hw-monitor' });
    const before = queue.counts();
    queue.close();

    const url = await server.createDatabase('migrate_copy');
    const result = await runCli(['migrate', '--to', url, '--json', '--home', home.home]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const json = result.json<MigrateJson>();
    expect(json.tables).toEqual(
      expect.arrayContaining([
        { table: 'tasks', rows: 3 },
        { table: 'task_dependencies', rows: 1 },
        { table: 'messages', rows: 1 },
        { table: 'alerts', rows: 1 },
      ]),
    );
    expect(json.requeued).toBe(1);

    const store = await createPostgresStore({ url });
    try {
      expect((await store.getOrThrow(second!.task.id)).status).toBe('BLOCKED');
      expect((await store.dependencies(second!.task.id)).dependsOn).toEqual([first!.task.id]);
      expect((await store.getOrThrow(first!.task.id)).parentId).toBe(parent.id);
      expect(await store.getOrThrow(running.id)).toMatchObject({ status: 'PENDING', claimedBy: null });
      const counts = await store.counts();
      expect(counts.PENDING).toBe(before.PENDING + before.RUNNING);
      expect((await store.inbox('coder_1')).map((message) => message.body)).toEqual([{ text: 'hi' }]);
      // New rows continue after the copied ids.
      const next = await store.enqueue({ skill: 'noop', payload: {} });
      expect(next.id).toBeGreaterThan(second!.task.id);
    } finally {
      await store.close();
    }

    // The fleet switched over: status reads PostgreSQL.
    writeFileSync(home.config, `[queue]\nurl = ${JSON.stringify(url)}\n`);
    const statusRun = await runCli(['status', '--json', '--home', home.home]);
    expect(statusRun.code).toBe(0);
    const status = statusRun.json<StatusJson>();
    expect(status.queue.dialect).toBe('postgres');
    expect(status.tasks.PENDING + status.tasks.BLOCKED).toBe(4);

    // A second run would double the fleet: refused, nothing written.
    const again = await runCli(['migrate', '--to', url, '--home', home.home]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already holds tasks/);
  }, 60_000);

  it('moves questions to a human with their tasks, and `biged hitl` answers them on PostgreSQL', async () => {
    const queue = createQueue({ file: home.db });
    const task = queue.enqueue({ skill: 'gate', payload: { target: 'prod' } });
    queue.claimMany({ agent: 'coder_1', skills: ['gate'] }, 1);
    const asked = queue.parkForHuman(task.id, 'coder_1', { question: 'Deploy to prod?' });
    queue.close();

    const url = await server.createDatabase('migrate_hitl');
    const migrated = await runCli(['migrate', '--to', url, '--json', '--home', home.home]);
    expect(migrated.code).toBe(0);
    expect(migrated.json<MigrateJson>().tables).toContainEqual({ table: 'hitl_requests', rows: 1 });
    writeFileSync(home.config, `[queue]\nurl = ${JSON.stringify(url)}\n`);

    const listed = await runCli(['hitl', 'list', '--json', '--home', home.home]);
    expect(listed.code).toBe(0);
    expect(listed.json<{ requests: Array<{ id: number; task_id: number }> }>().requests).toEqual([
      expect.objectContaining({ id: asked.id, task_id: task.id }),
    ]);
    const approved = await runCli([
      'hitl',
      'approve',
      String(asked.id),
      '--as',
      'ops',
      '--json',
      '--home',
      home.home,
    ]);
    expect(approved.stderr).toBe('');
    expect(approved.json<{ task: { status: string } }>().task.status).toBe('PENDING');
    const again = await runCli(['hitl', 'approve', String(asked.id), '--home', home.home]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already answered/);
    // A new request after the copy gets an id past the copied ones.
    const store = await createPostgresStore({ url });
    try {
      await store.claimMany({ agent: 'coder_1@alpha', skills: ['gate'] }, 1);
      const next = await store.parkForHuman(task.id, 'coder_1@alpha', { question: 'Really?' });
      expect(next.id).toBeGreaterThan(asked.id);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('refuses without a PostgreSQL target, and names the problem', async () => {
    const missing = await runCli(['migrate', '--home', home.home]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no PostgreSQL database to migrate to/);
    const wrong = await runCli(['migrate', '--to', 'mysql://x:secret@db/fleet', '--home', home.home]);
    expect(wrong.stderr).toMatch(/--to must be a postgres:\/\/ URL/);
    expect(wrong.stderr).not.toContain('secret');
  });

  it('reports an unreachable server clearly and copies nothing', async () => {
    createQueue({ file: home.db }).close();
    const result = await runCli([
      'migrate',
      '--to',
      'postgres://nobody@127.0.0.1:1/fleet',
      '--home',
      home.home,
    ]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/cannot be reached: connect ECONNREFUSED/);
  });
});
