import { afterEach, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue';
import { SessionError } from './errors/session-error';
import { createSessionStore, SESSION_MAX_DATA_BYTES, SESSION_MAX_LABEL_LENGTH } from './sessions';
import type { TaskQueue } from './task-queue';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const open: TaskQueue[] = [];

afterEach(() => {
  for (const queue of open.splice(0)) queue.close();
});

function setup() {
  const time = { now: T0 };
  const queue = createQueue({ file: ':memory:', clock: () => time.now });
  open.push(queue);
  return { time, store: createSessionStore({ queue }) };
}

function expectSessionError(run: () => unknown, code: string): SessionError {
  try {
    run();
  } catch (error) {
    expect(SessionError.isInstance(error)).toBe(true);
    expect((error as SessionError).code).toBe(code);
    return error as SessionError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

describe('createSessionStore', () => {
  it('starts, snapshots and ends a session; get returns the latest 3 snapshots, newest first', () => {
    const { time, store } = setup();
    const session = store.start({ name: 'train-v2', meta: '{"goal":"depth 6"}' });
    expect(session).toEqual({
      id: 1,
      name: 'train-v2',
      status: 'active',
      meta: { goal: 'depth 6' },
      startedAt: '2026-03-01T00:00:00.000Z',
      endedAt: null,
      snapshotCount: 0,
    });
    for (let step = 1; step <= 5; step += 1) {
      time.now += 60_000;
      store.snapshot(step % 2 === 0 ? 'train-v2' : 1, { label: `step ${step}`, data: { step } });
    }
    const detail = store.get('train-v2');
    expect(detail.session.snapshotCount).toBe(5);
    expect(detail.snapshots.map((snapshot) => snapshot.label)).toEqual(['step 5', 'step 4', 'step 3']);
    expect(detail.snapshots[0]).toEqual({
      id: 5,
      sessionId: 1,
      label: 'step 5',
      data: { step: 5 },
      createdAt: '2026-03-01T00:05:00.000Z',
    });
    expect(store.get('1', { snapshots: 10 }).snapshots).toHaveLength(5);

    time.now += 1000;
    const ended = store.end('train-v2');
    expect(ended.status).toBe('ended');
    expect(ended.endedAt).toBe('2026-03-01T00:05:01.000Z');
    expectSessionError(() => store.end(1), 'QUEUE_SESSION_ENDED');
    expectSessionError(() => store.snapshot('train-v2', { data: {} }), 'QUEUE_SESSION_ENDED');
    expect(store.get(1).snapshots).toHaveLength(3);
  });

  it('lists the latest 5 sessions by start time, newest first, and honours limit', () => {
    const { time, store } = setup();
    for (let index = 1; index <= 7; index += 1) {
      time.now += 1000;
      store.start({ name: `run${index}` });
    }
    expect(store.list().map((session) => session.name)).toEqual(['run7', 'run6', 'run5', 'run4', 'run3']);
    expect(store.list({ limit: 2 }).map((session) => session.name)).toEqual(['run7', 'run6']);
    expectSessionError(() => store.list({ limit: 0 }), 'QUEUE_SESSION_INVALID');
    expect(setup().store.list()).toEqual([]);
  });

  it('refuses bad names, duplicates, unknown sessions and bad snapshot data, storing nothing', () => {
    const { store } = setup();
    for (const name of ['', '12', '-x', 'a b', '../x', 'x'.repeat(101)]) {
      expect(expectSessionError(() => store.start({ name }), 'QUEUE_SESSION_INVALID').field).toBe('name');
    }
    store.start({ name: 'alpha' });
    expect(expectSessionError(() => store.start({ name: 'alpha' }), 'QUEUE_SESSION_EXISTS').session).toBe(
      'alpha',
    );
    expectSessionError(() => store.get('beta'), 'QUEUE_SESSION_NOT_FOUND');
    expectSessionError(() => store.get(99), 'QUEUE_SESSION_NOT_FOUND');
    expectSessionError(() => store.end('beta'), 'QUEUE_SESSION_NOT_FOUND');
    expectSessionError(() => store.snapshot('beta'), 'QUEUE_SESSION_NOT_FOUND');

    const malformed = expectSessionError(
      () => store.snapshot('alpha', { data: '{oops' }),
      'QUEUE_SESSION_INVALID',
    );
    expect(malformed.field).toBe('data');
    expect(malformed.message).toContain('not valid JSON');
    expectSessionError(() => store.snapshot('alpha', { data: '[1,2]' }), 'QUEUE_SESSION_INVALID');
    expectSessionError(() => store.start({ name: 'gamma', meta: 'null' }), 'QUEUE_SESSION_INVALID');
    const big = { blob: 'x'.repeat(SESSION_MAX_DATA_BYTES) };
    expect(
      expectSessionError(() => store.snapshot('alpha', { data: big }), 'QUEUE_SESSION_INVALID').message,
    ).toMatch(/more than the 65536 allowed/);
    expect(
      expectSessionError(
        () => store.snapshot('alpha', { label: 'x'.repeat(SESSION_MAX_LABEL_LENGTH + 1) }),
        'QUEUE_SESSION_INVALID',
      ).field,
    ).toBe('label');
    expect(store.get('alpha').session.snapshotCount).toBe(0);
    expect(store.list().map((session) => session.name)).toEqual(['alpha']);
  });
});
