import { afterEach, describe, expect, it } from 'vitest';
import { createQueue, HOLDER_BY_KEY_SQL } from './create-queue';
import { QueueError } from './errors/queue-error';
import { getQueueDatabase } from './queue-database';
import type { TaskQueue } from './task-queue';

const START = Date.parse('2025-01-01T00:00:00.000Z');
const open: TaskQueue[] = [];

function setup() {
  const time = { now: START };
  const queue = createQueue({ file: ':memory:', clock: () => time.now });
  open.push(queue);
  return { queue, time };
}

afterEach(() => {
  for (const queue of open.splice(0)) queue.close();
});

function expectInvalid(run: () => unknown, text: string): void {
  try {
    run();
  } catch (error) {
    expect(QueueError.isInstance(error)).toBe(true);
    expect((error as QueueError).code).toBe('QUEUE_INVALID_ARGUMENT');
    expect((error as QueueError).message).toContain(text);
    return;
  }
  throw new Error('expected QUEUE_INVALID_ARGUMENT, nothing was thrown');
}

describe('idempotency keys', () => {
  it('returns the first task with duplicate: true, whatever the repeated request says', () => {
    const { queue } = setup();
    const first = queue.submit({ skill: 'digest', payload: { n: 1 }, idempotencyKey: 'daily' });
    expect(first).toMatchObject({ duplicate: false, task: { id: 1, idempotencyKey: 'daily' } });
    const again = queue.submit({ skill: 'other', payload: { n: 2 }, priority: 9, idempotencyKey: 'daily' });
    expect(again).toEqual({ task: first.task, duplicate: true });
    // Still a duplicate once the task has finished: without debounceMs the key holds for ever.
    queue.claim({ agent: 'a' });
    queue.complete(1, 'a', 'ok');
    expect(queue.submit({ skill: 'digest', payload: {}, idempotencyKey: 'daily' })).toMatchObject({
      duplicate: true,
      task: { id: 1, status: 'DONE' },
    });
    expect(queue.enqueue({ skill: 'digest', payload: {} }).id).toBe(2);
  });

  it('finds the holder of a key with one seek in the partial unique index', () => {
    const { queue } = setup();
    const details = (
      getQueueDatabase(queue).prepare(`EXPLAIN QUERY PLAN ${HOLDER_BY_KEY_SQL}`).all('k') as Array<{
        detail: string;
      }>
    ).map((row) => row.detail);
    expect(details).toEqual(['SEARCH tasks USING INDEX tasks_idempotency_key_unique (idempotency_key=?)']);
  });

  it('dedupes inside a submitMany batch, and a dependency on a duplicate waits for the existing task', () => {
    const { queue } = setup();
    const existing = queue.enqueue({ skill: 'fetch', payload: {}, idempotencyKey: 'fetch-1' });
    const results = queue.submitMany([
      { skill: 'fetch', payload: {}, ref: 'fetch', idempotencyKey: 'fetch-1' },
      { skill: 'parse', payload: {}, ref: 'parse', dependsOn: ['fetch'], idempotencyKey: 'parse-1' },
      { skill: 'parse', payload: {}, idempotencyKey: 'parse-1' },
    ]);
    expect(results.map((result) => [result.task.id, result.duplicate])).toEqual([
      [existing.id, true],
      [2, false],
      [2, true],
    ]);
    expect(queue.dependencies(2).dependsOn).toEqual([existing.id]);
    expect(results[1]?.task.status).toBe('BLOCKED');
  });

  it('refuses an empty key', () => {
    const { queue } = setup();
    expectInvalid(() => queue.submit({ skill: 'digest', payload: {}, idempotencyKey: '' }), 'idempotencyKey');
  });
});

describe('debounceMs', () => {
  it('dedupes within the window of the holder, then a new task takes the key over', () => {
    const { queue, time } = setup();
    const request = { skill: 'reindex', payload: {}, idempotencyKey: 'repo:biged', debounceMs: 1000 };
    const first = queue.submit(request);
    expect(first.duplicate).toBe(false);
    time.now = START + 999;
    expect(queue.submit(request)).toMatchObject({ duplicate: true, task: { id: first.task.id } });

    // The window is counted from the holder's creation, not from the last duplicate, and ends
    // whatever state the holder is in (here still PENDING).
    time.now = START + 1000;
    const second = queue.submit(request);
    expect(second).toMatchObject({ duplicate: false, task: { id: 2, status: 'PENDING' } });
    expect(queue.getOrThrow(first.task.id)).toMatchObject({
      status: 'PENDING',
      idempotencyKey: 'repo:biged',
    });
    time.now = START + 1999;
    expect(queue.submit(request).task.id).toBe(2);

    // A submit without debounceMs after the window holds the key for ever.
    time.now = START + 2000;
    const third = queue.submit({ skill: 'reindex', payload: {}, idempotencyKey: 'repo:biged' });
    expect(third).toMatchObject({ duplicate: false, task: { id: 3 } });
    time.now = START + 10 * 24 * 3600 * 1000;
    expect(queue.submit(request)).toMatchObject({ duplicate: true, task: { id: 3 } });
    expect(queue.list().map((task) => task.idempotencyKey)).toEqual([
      'repo:biged',
      'repo:biged',
      'repo:biged',
    ]);
  });

  it('refuses a window without a key, and windows that are not positive numbers', () => {
    const { queue } = setup();
    expectInvalid(
      () => queue.submit({ skill: 'reindex', payload: {}, debounceMs: 1000 }),
      'needs an idempotencyKey',
    );
    for (const debounceMs of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectInvalid(
        () => queue.submit({ skill: 'reindex', payload: {}, idempotencyKey: 'k', debounceMs }),
        'debounceMs must be a number above 0',
      );
    }
    expect(queue.list()).toEqual([]);
  });
});
