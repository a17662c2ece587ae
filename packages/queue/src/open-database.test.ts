import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createTempHome, type TempHome } from '@biged/core/test';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue';
import { QueueError } from './errors/queue-error';
import { MIGRATIONS_TABLE, migrationsFolder } from './open-database';
import { getQueueDatabase } from './queue-database';

const require = createRequire(import.meta.url);
let home: TempHome;
const closers: Array<() => void> = [];

beforeEach(() => {
  home = createTempHome();
});

afterEach(() => {
  for (const close of closers.splice(0).reverse()) close();
  home.cleanup();
});

function caught(run: () => unknown): QueueError {
  try {
    run();
  } catch (error) {
    if (QueueError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a QueueError, nothing was thrown');
}

describe('opening', () => {
  it('creates the file in WAL mode with the shipped migrations applied once', () => {
    const file = path.join(home.home, 'fleet.db');
    const first = createQueue({ file });
    const database = getQueueDatabase(first);
    expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(database.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
    expect(database.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(database.pragma('busy_timeout', { simple: true })).toBe(0);
    const tables = database
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all();
    expect(tables).toEqual([
      MIGRATIONS_TABLE,
      'agents',
      'alerts',
      'audit_log',
      'fleet_flags',
      'hitl_requests',
      'locks',
      'message_reads',
      'messages',
      'schedule_fires',
      'schedules',
      'sessions',
      'snapshots',
      'task_dependencies',
      'tasks',
      'usage',
      'workflow_runs',
      'workflow_steps',
    ]);
    first.enqueue({ skill: 'summarize', payload: { keep: true } });
    first.close();
    first.close(); // harmless twice

    const second = createQueue({ file });
    closers.push(() => second.close());
    // Each shipped migration (0000_initial, 0001_usage_ledger, 0002_task_dependencies, ...) recorded once.
    expect(getQueueDatabase(second).prepare(`SELECT count(*) FROM "${MIGRATIONS_TABLE}"`).pluck().get()).toBe(
      readMigrationFiles({ migrationsFolder: migrationsFolder() }).length,
    );
    expect(second.get(1)?.payload).toEqual({ keep: true });
  });

  it('upgrades a 0001 database to task dependencies without losing ids, parents or the id sequence', () => {
    // A fleet.db as version 0.1 left it: only the first two migrations, applied by Drizzle's migrator.
    const folder = path.join(home.home, 'migrations-0001');
    cpSync(migrationsFolder(), folder, { recursive: true });
    const journalFile = path.join(folder, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: Array<{ tag: string }> };
    journal.entries = journal.entries.filter((entry) => entry.tag < '0002');
    writeFileSync(journalFile, JSON.stringify(journal));
    const file = path.join(home.home, 'fleet.db');
    const old = new Database(file);
    migrate(drizzle({ client: old }), { migrationsFolder: folder, migrationsTable: MIGRATIONS_TABLE });
    const insert = old.prepare(
      `INSERT INTO tasks (skill, payload_json, status, parent_id, idempotency_key, created_at)
       VALUES ('summarize', '{}', ?, ?, ?, 0)`,
    );
    insert.run('DONE', null, 'nightly'); // 1
    insert.run('RUNNING', 1, null); // 2: a child of 1
    insert.run('PENDING', 1, null); // 3: a child of 1
    insert.run('PENDING', null, null); // 4, deleted below: its id must not come back
    old.prepare('DELETE FROM tasks WHERE id = 4').run();
    old.close();

    const queue = createQueue({ file });
    closers.push(() => queue.close());
    expect(queue.list().map((task) => [task.id, task.status, task.parentId])).toEqual([
      [3, 'PENDING', 1],
      [2, 'RUNNING', 1],
      [1, 'DONE', null],
    ]);
    expect(getQueueDatabase(queue).pragma('foreign_keys', { simple: true })).toBe(1);
    expect(queue.submit({ skill: 'summarize', payload: {}, idempotencyKey: 'nightly' })).toMatchObject({
      duplicate: true,
      task: { id: 1 },
    });
    const next = queue.enqueue({ skill: 'summarize', payload: {}, dependsOn: [3] });
    expect(next).toMatchObject({ id: 5, status: 'BLOCKED' });
    expect(queue.claim({ agent: 'a' })?.id).toBe(3);
  });

  it.each([
    ['random bytes', () => randomBytes(8192)],
    ['a text file', () => Buffer.from('export KEY=value\n'.repeat(100))],
    ['a damaged SQLite header', () => Buffer.concat([Buffer.from('SQLite format 3\0'), randomBytes(8176)])],
  ])('refuses %s with QUEUE_DB_CORRUPT and leaves the file untouched', (_label, content) => {
    const file = path.join(home.home, 'fleet.db');
    const bytes = content();
    writeFileSync(file, bytes);
    const error = caught(() => createQueue({ file }));
    expect(error.code).toBe('QUEUE_DB_CORRUPT');
    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.hint).toContain(`${path.join(home.home, 'backups')}${path.sep}`);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(existsSync(`${file}-wal`)).toBe(false);
    expect(existsSync(`${file}-journal`)).toBe(false);
  });

  it('reports a file it cannot open as QUEUE_DB_OPEN_FAILED', () => {
    const file = path.join(home.home, 'missing-dir', 'fleet.db');
    const error = caught(() => createQueue({ file }));
    expect(error.code).toBe('QUEUE_DB_OPEN_FAILED');
    expect(error.file).toBe(file);
    expect(error.cause).toBeInstanceOf(Error);
  });
});

describe('a database locked by another connection', () => {
  it('gives QUEUE_DB_LOCKED after busyTimeoutMs, loses nothing, and recovers', () => {
    const file = path.join(home.home, 'fleet.db');
    const queue = createQueue({ file, busyTimeoutMs: 150 });
    closers.push(() => queue.close());
    const before = queue.enqueue({ skill: 'summarize', payload: { n: 1 } });

    const other = new Database(file, { timeout: 0 });
    closers.push(() => other.close());
    other.exec('BEGIN IMMEDIATE');
    other
      .prepare(
        "INSERT INTO locks (name, owner, acquired_at, expires_at) VALUES ('training', 'trainer', 0, NULL)",
      )
      .run();

    const started = performance.now();
    const error = caught(() => queue.enqueue({ skill: 'summarize', payload: { n: 2 } }));
    const waited = performance.now() - started;
    expect(error.code).toBe('QUEUE_DB_LOCKED');
    expect(error.file).toBe(file);
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(2000);
    expect(caught(() => queue.claim({ agent: 'a' })).code).toBe('QUEUE_DB_LOCKED');
    // WAL: readers are not blocked by the writer.
    expect(queue.get(before.id)?.status).toBe('PENDING');

    other.exec('COMMIT');
    const after = queue.enqueue({ skill: 'summarize', payload: { n: 3 } });
    expect(queue.list().map((task) => task.payload)).toEqual([{ n: 3 }, { n: 1 }]);
    expect(after.id).toBe(before.id + 1);
    expect(queue.getLock('training')).toMatchObject({ owner: 'trainer' });
    expect(queue.claim({ agent: 'a' })?.id).toBe(before.id);
  });

  it('waits for a short write in another process to finish instead of failing', async () => {
    const file = path.join(home.home, 'fleet.db');
    createQueue({ file }).close();
    // The holder must be another process: Atomics.wait blocks this thread while it retries.
    const script = `
      const Database = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const db = new Database(${JSON.stringify(file)}, { timeout: 0 });
      db.exec('BEGIN IMMEDIATE');
      process.stdout.write('locked\\n');
      setTimeout(() => { db.exec('COMMIT'); db.close(); }, 200);
    `;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    const queue = createQueue({ file, busyTimeoutMs: 5000 });
    closers.push(() => queue.close());
    const started = performance.now();
    queue.enqueue({ skill: 'summarize', payload: {} });
    const waited = performance.now() - started;
    await exited;
    expect(waited).toBeGreaterThan(50);
    expect(waited).toBeLessThan(1500);
    expect(queue.counts().PENDING).toBe(1);
  });
});
