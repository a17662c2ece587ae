import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue';
import { QueueError } from './errors/queue-error';
import { MIGRATIONS_TABLE } from './migrations-folder';
import { openQueueReader, type QueueReader } from './queue-reader';
import type { TaskQueue } from './task-queue';
import { createWorkflowStore } from './workflows';
import { parseWorkflowToml } from './workflows-file';

// The reader answers what createQueue answers, on real SQLite files, and steps aside (undefined) for any
// file it would have to create, migrate or diagnose.

const dirs: string[] = [];
const closers: Array<{ close(): void }> = [];
afterEach(() => {
  for (const item of closers.splice(0)) item.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const tempFile = (name = 'queue.db'): string => {
  const dir = mkdtempSync(join(tmpdir(), 'biged-queue-reader-'));
  dirs.push(dir);
  return join(dir, name);
};

const open = (file: string): { queue: TaskQueue; reader: QueueReader } => {
  const queue = createQueue({ file });
  closers.push(queue);
  const reader = openQueueReader({ file });
  if (!reader) throw new Error('expected a reader for a current queue file');
  closers.push(reader);
  return { queue, reader };
};

const TWO_STEPS = `[workflow]
name = "pair"
[[steps]]
name = "first"
skill = "noop"
[[steps]]
name = "second"
skill = "noop"
depends_on = ["first"]
`;

describe('openQueueReader', () => {
  it('reads the same counts, agents and running workflow runs as createQueue', () => {
    const file = tempFile();
    const { queue, reader } = open(file);
    const store = createWorkflowStore({ queue });
    queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 11, status: 'IDLE' });
    queue.registerAgent({ name: 'analyst_1', role: 'analyst', pid: 12, status: 'IDLE' });
    const running = store.startRun({ definition: parseWorkflowToml(TWO_STEPS) });
    const ended = store.startRun({ definition: parseWorkflowToml(TWO_STEPS) });
    queue.submit({ skill: 'noop', payload: {} });
    // coder_1 holds the first step of `running`; `ended` is cancelled as a whole.
    const claimed = queue.claim({ agent: 'coder_1' });
    expect(claimed?.id).toBe(running.steps[0]!.task_id);
    store.cancelRun(ended.run);

    expect(reader.counts()).toEqual(queue.counts());
    expect(reader.counts().RUNNING).toBe(1);
    expect(reader.listAgents()).toEqual(queue.listAgents());
    expect(reader.listAgents().find((agent) => agent.name === 'coder_1')).toMatchObject({
      status: 'BUSY',
      currentTaskId: claimed?.id,
    });
    const runs = reader.listRunningWorkflowRuns();
    expect(runs).toEqual(store.listRuns({ status: 'RUNNING', limit: 20 }));
    expect(runs.map((run) => run.run)).toEqual([running.run]);
    expect(reader.listRunningWorkflowRuns(1)).toHaveLength(1);
  });

  it('leaves out a run whose steps all ended without writing its status (the store records it)', () => {
    const file = tempFile();
    const { queue, reader } = open(file);
    const store = createWorkflowStore({ queue });
    const run = store.startRun({
      definition: parseWorkflowToml('[workflow]\nname = "one"\n[[steps]]\nname = "only"\nskill = "noop"\n'),
    });
    const task = queue.claim({ agent: 'w' })!;
    queue.complete(task.id, 'w', { ok: true });
    expect(reader.listRunningWorkflowRuns()).toEqual([]);
    const stored = () =>
      new Database(file, { readonly: true }).prepare('SELECT status FROM workflow_runs WHERE id = ?').pluck();
    const statement = stored();
    expect(statement.get(run.run)).toBe('RUNNING');
    statement.database.close();
    expect(store.listRuns({ status: 'RUNNING' })).toEqual([]);
    const after = stored();
    expect(after.get(run.run)).toBe('DONE');
    after.database.close();
  });

  it('refuses a limit outside 1..1000 with QUEUE_INVALID_ARGUMENT', () => {
    const { reader } = open(tempFile());
    for (const limit of [0, -1, 1.5, 1001, Number.NaN]) {
      let caught: unknown;
      try {
        reader.listRunningWorkflowRuns(limit);
      } catch (error) {
        caught = error;
      }
      expect(QueueError.isInstance(caught), String(limit)).toBe(true);
      expect((caught as QueueError).code).toBe('QUEUE_INVALID_ARGUMENT');
    }
  });

  it('returns undefined for a file it would have to create or diagnose: missing, empty, not SQLite, in memory', () => {
    const missing = tempFile();
    expect(openQueueReader({ file: missing })).toBeUndefined();
    const empty = tempFile();
    writeFileSync(empty, '');
    expect(openQueueReader({ file: empty })).toBeUndefined();
    const text = tempFile();
    writeFileSync(text, 'not a database, just text that is long enough to have a header\n');
    expect(openQueueReader({ file: text })).toBeUndefined();
    const truncated = tempFile();
    writeFileSync(truncated, 'SQLite');
    expect(openQueueReader({ file: truncated })).toBeUndefined();
    expect(openQueueReader({ file: ':memory:' })).toBeUndefined();
    expect(openQueueReader({ file: '' })).toBeUndefined();
  });

  it('returns undefined for a queue behind the shipped migrations', () => {
    const file = tempFile();
    createQueue({ file }).close();
    const database = new Database(file);
    database
      .prepare(
        `DELETE FROM "${MIGRATIONS_TABLE}" WHERE created_at = (SELECT max(created_at) FROM "${MIGRATIONS_TABLE}")`,
      )
      .run();
    database.close();
    expect(openQueueReader({ file })).toBeUndefined();
    // A plain SQLite file with no queue tables at all is behind too.
    const bare = tempFile();
    const other = new Database(bare);
    other.exec('CREATE TABLE other (x)');
    other.close();
    expect(openQueueReader({ file: bare })).toBeUndefined();
  });
});
