import { PayloadError } from '@biged/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createQueue } from './create-queue';
import { QueueError } from './errors/queue-error';
import { getQueueDatabase } from './queue-database';
import type { CreateQueueOptions, TaskQueue } from './task-queue';

const START = Date.parse('2025-01-01T00:00:00.000Z');
const open: TaskQueue[] = [];

/** A :memory: queue with a hand-driven clock. */
function setup(options: Partial<CreateQueueOptions> = {}) {
  const time = { now: START };
  const queue = createQueue({ file: ':memory:', clock: () => time.now, host: 'test-host', ...options });
  open.push(queue);
  return { queue, time };
}

afterEach(() => {
  for (const queue of open.splice(0)) queue.close();
  vi.useRealTimers();
});

function expectQueueError(run: () => unknown, code: string): QueueError {
  try {
    run();
  } catch (error) {
    expect(QueueError.isInstance(error)).toBe(true);
    expect((error as QueueError).code).toBe(code);
    return error as QueueError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

function total(queue: TaskQueue): number {
  return Object.values(queue.counts()).reduce((sum, count) => sum + count, 0);
}

describe('enqueue', () => {
  it('stores a PENDING task with defaults and ISO times', () => {
    const { queue } = setup();
    const task = queue.enqueue({ skill: 'summarize', payload: { path: 'a.md' } });
    expect(task).toEqual({
      id: 1,
      skill: 'summarize',
      payload: { path: 'a.md' },
      priority: 5,
      status: 'PENDING',
      assignedTo: null,
      claimedBy: null,
      attempts: 0,
      maxAttempts: 3,
      timeoutMs: 600_000,
      result: null,
      error: null,
      parentId: null,
      idempotencyKey: null,
      createdAt: '2025-01-01T00:00:00.000Z',
      claimedAt: null,
      heartbeatAt: null,
      finishedAt: null,
    });
    expect(queue.get(1)).toEqual(task);
  });

  it('accepts JSON text and applies the queue defaults', () => {
    const { queue } = setup({ defaultMaxAttempts: 5, defaultTimeoutMs: 1000 });
    const task = queue.enqueue({ skill: 'web_search', payload: '{"query":"sqlite wal"}', priority: 9 });
    expect(task).toMatchObject({
      payload: { query: 'sqlite wal' },
      priority: 9,
      maxAttempts: 5,
      timeoutMs: 1000,
    });
  });

  it('rejects bad payloads, priorities and skills and stores nothing', () => {
    const { queue } = setup({ maxPayloadBytes: 64 });
    const payloadCode = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(PayloadError.isInstance(error)).toBe(true);
        return (error as PayloadError).code;
      }
      return 'nothing thrown';
    };
    expect(payloadCode(() => queue.enqueue({ skill: 'summarize', payload: '{"path": ' }))).toBe(
      'PAYLOAD_INVALID_JSON',
    );
    expect(payloadCode(() => queue.enqueue({ skill: 'summarize', payload: { text: 'x'.repeat(100) } }))).toBe(
      'PAYLOAD_TOO_LARGE',
    );
    expect(payloadCode(() => queue.enqueue({ skill: 'summarize', payload: '[1, 2]' }))).toBe(
      'PAYLOAD_NOT_OBJECT',
    );
    for (const priority of [0, 11, 2.5, Number.NaN]) {
      expectQueueError(
        () => queue.enqueue({ skill: 'summarize', payload: {}, priority }),
        'QUEUE_INVALID_PRIORITY',
      );
    }
    for (const skill of ['', 'Summarize', '1skill', 'rm -rf', 'a/b']) {
      expectQueueError(() => queue.enqueue({ skill, payload: {} }), 'QUEUE_INVALID_SKILL');
    }
    expectQueueError(
      () => queue.enqueue({ skill: 'summarize', payload: {}, maxAttempts: 0 }),
      'QUEUE_INVALID_ARGUMENT',
    );
    const missingParent = expectQueueError(
      () => queue.enqueue({ skill: 'summarize', payload: {}, parentId: 42 }),
      'QUEUE_TASK_NOT_FOUND',
    );
    expect(missingParent.taskId).toBe(42);
    expect(total(queue)).toBe(0);
    expect(queue.list()).toEqual([]);
    // The failed inserts did not burn ids either: nothing was written at all.
    expect(queue.enqueue({ skill: 'summarize', payload: {} }).id).toBe(1);
  });

  it('returns the existing task for a repeated idempotency key', () => {
    const { queue } = setup();
    const first = queue.enqueue({ skill: 'summarize', payload: { n: 1 }, idempotencyKey: 'daily-digest' });
    const again = queue.enqueue({ skill: 'summarize', payload: { n: 2 }, idempotencyKey: 'daily-digest' });
    expect(again).toEqual(first);
    expect(queue.enqueue({ skill: 'summarize', payload: {}, idempotencyKey: 'other' }).id).toBe(2);
    expect(total(queue)).toBe(2);
  });

  it('links child tasks to their parent', () => {
    const { queue } = setup();
    const parent = queue.enqueue({ skill: 'lead_research', payload: {} });
    expect(queue.enqueue({ skill: 'web_search', payload: {}, parentId: parent.id }).parentId).toBe(parent.id);
  });
});

describe('claim', () => {
  it('takes the highest priority first, then the oldest, and each task once', () => {
    const { queue, time } = setup();
    const low = queue.enqueue({ skill: 'summarize', payload: {}, priority: 2 });
    const oldHigh = queue.enqueue({ skill: 'summarize', payload: {}, priority: 8 });
    const newHigh = queue.enqueue({ skill: 'summarize', payload: {}, priority: 8 });
    const urgent = queue.enqueue({ skill: 'summarize', payload: {}, priority: 10 });
    time.now += 1000;
    const order = [1, 2, 3, 4].map(() => queue.claim({ agent: 'coder_1' })?.id);
    expect(order).toEqual([urgent.id, oldHigh.id, newHigh.id, low.id]);
    expect(queue.claim({ agent: 'coder_1' })).toBeUndefined();
    expect(queue.get(urgent.id)).toMatchObject({
      status: 'RUNNING',
      claimedBy: 'coder_1',
      attempts: 1,
      claimedAt: '2025-01-01T00:00:01.000Z',
      heartbeatAt: '2025-01-01T00:00:01.000Z',
    });
  });

  it('respects assigned_to: only that agent takes it, and before anything else', () => {
    const { queue } = setup();
    const open1 = queue.enqueue({ skill: 'summarize', payload: {}, priority: 10 });
    const forCoder = queue.enqueue({ skill: 'code_review', payload: {}, priority: 1, assignedTo: 'coder_1' });
    expect(queue.claim({ agent: 'researcher' })?.id).toBe(open1.id);
    expect(queue.claim({ agent: 'researcher' })).toBeUndefined();
    queue.enqueue({ skill: 'summarize', payload: {}, priority: 10 });
    expect(queue.claim({ agent: 'coder_1' })?.id).toBe(forCoder.id);
  });

  it('takes only the given skills, and nothing for an empty list', () => {
    const { queue } = setup();
    queue.enqueue({ skill: 'web_search', payload: {}, priority: 10 });
    const summarize = queue.enqueue({ skill: 'summarize', payload: {}, priority: 1 });
    const assignedOther = queue.enqueue({ skill: 'web_search', payload: {}, assignedTo: 'analyst' });
    expect(queue.claim({ agent: 'analyst', skills: [] })).toBeUndefined();
    expect(queue.claim({ agent: 'analyst', skills: ['summarize', 'arxiv_fetch'] })?.id).toBe(summarize.id);
    expect(queue.claim({ agent: 'analyst', skills: ['summarize'] })).toBeUndefined();
    // Its own assigned task still obeys the skill list.
    expect(queue.claim({ agent: 'analyst', skills: ['code_review'] })).toBeUndefined();
    expect(queue.claim({ agent: 'analyst', skills: ['web_search'] })?.id).toBe(assignedOther.id);
  });

  it('prefers affinity skills, then falls back to anything', () => {
    const { queue } = setup();
    const urgentOther = queue.enqueue({ skill: 'summarize', payload: {}, priority: 10 });
    const lowPreferred = queue.enqueue({ skill: 'code_review', payload: {}, priority: 2 });
    const highPreferred = queue.enqueue({ skill: 'code_quality', payload: {}, priority: 6 });
    const preferredSkills = ['code_review', 'code_quality', 'security_audit'];
    const order = [1, 2, 3].map(() => queue.claim({ agent: 'coder_1', preferredSkills })?.id);
    expect(order).toEqual([highPreferred.id, lowPreferred.id, urgentOther.id]);
  });

  it('ranks assigned over preferred, and preferred within the skill list', () => {
    const { queue } = setup();
    const preferred = queue.enqueue({ skill: 'code_review', payload: {}, priority: 10 });
    const assigned = queue.enqueue({ skill: 'summarize', payload: {}, priority: 1, assignedTo: 'coder_1' });
    const other = queue.enqueue({ skill: 'web_search', payload: {}, priority: 10 });
    const request = {
      agent: 'coder_1',
      skills: ['summarize', 'code_review'],
      preferredSkills: ['code_review'],
    };
    expect(queue.claim(request)?.id).toBe(assigned.id);
    expect(queue.claim(request)?.id).toBe(preferred.id);
    expect(queue.claim(request)).toBeUndefined();
    expect(queue.claim({ agent: 'coder_1', preferredSkills: ['web_search'] })?.id).toBe(other.id);
  });

  it('skips tasks that are not PENDING', () => {
    const { queue } = setup();
    const cancelled = queue.enqueue({ skill: 'summarize', payload: {}, priority: 10 });
    const pending = queue.enqueue({ skill: 'summarize', payload: {}, priority: 1 });
    queue.cancel(cancelled.id);
    expect(queue.claim({ agent: 'a' })?.id).toBe(pending.id);
    expect(queue.claim({ agent: 'a' })).toBeUndefined();
  });
});

describe('running tasks', () => {
  it('completes only the claiming agent’s RUNNING task', () => {
    const { queue, time } = setup();
    const task = queue.enqueue({ skill: 'summarize', payload: {} });
    queue.claim({ agent: 'a' });
    expect(queue.complete(task.id, 'b', { text: 'no' })).toBe(false);
    time.now += 5000;
    expect(queue.complete(task.id, 'a', { text: 'summary' })).toBe(true);
    expect(queue.complete(task.id, 'a', { text: 'twice' })).toBe(false);
    expect(queue.get(task.id)).toMatchObject({
      status: 'DONE',
      result: { text: 'summary' },
      finishedAt: '2025-01-01T00:00:05.000Z',
    });
  });

  it('retries a failed task until max_attempts, then fails it', () => {
    const { queue } = setup();
    const task = queue.enqueue({ skill: 'summarize', payload: {}, maxAttempts: 2 });
    queue.claim({ agent: 'a' });
    expect(queue.fail(task.id, 'b', 'not mine')).toBeUndefined();
    expect(queue.fail(task.id, 'a', 'model timeout')).toMatchObject({
      status: 'PENDING',
      attempts: 1,
      claimedBy: null,
      claimedAt: null,
      error: 'model timeout',
      finishedAt: null,
    });
    expect(queue.claim({ agent: 'b' })).toMatchObject({ id: task.id, attempts: 2, claimedBy: 'b' });
    const failed = queue.fail(task.id, 'b', 'model timeout again');
    expect(failed).toMatchObject({
      status: 'FAILED',
      attempts: 2,
      claimedBy: 'b',
      error: 'model timeout again',
    });
    expect(failed?.finishedAt).not.toBeNull();
    expect(queue.claim({ agent: 'a' })).toBeUndefined();
  });

  it('fails at once with retry: false', () => {
    const { queue } = setup();
    const task = queue.enqueue({ skill: 'summarize', payload: {} });
    queue.claim({ agent: 'a' });
    expect(queue.fail(task.id, 'a', 'bad input', { retry: false })?.status).toBe('FAILED');
  });

  it('completeAndClaim and failAndClaim finish one task and claim the next', () => {
    const { queue } = setup();
    const first = queue.enqueue({ skill: 'summarize', payload: {} });
    const second = queue.enqueue({ skill: 'summarize', payload: {} });
    const third = queue.enqueue({ skill: 'code_review', payload: {} });
    queue.claim({ agent: 'a' });
    const step1 = queue.completeAndClaim(first.id, 'a', 'ok', { preferredSkills: ['code_review'] });
    expect(step1).toMatchObject({ completed: true, next: { id: third.id, status: 'RUNNING' } });
    const step2 = queue.failAndClaim(third.id, 'a', 'boom', {}, { retry: false });
    expect(step2.failed).toMatchObject({ id: third.id, status: 'FAILED' });
    expect(step2.next?.id).toBe(second.id);
    const step3 = queue.completeAndClaim(second.id, 'a', undefined, { skills: ['summarize'] });
    expect(step3).toEqual({ completed: true, next: undefined });
    expect(queue.get(first.id)?.result).toBe('ok');
    expect(queue.get(second.id)?.result).toBeNull();
    // Not the agent's task: nothing finished, but it still gets work.
    const fourth = queue.enqueue({ skill: 'summarize', payload: {} });
    expect(queue.completeAndClaim(first.id, 'a', 'again')).toMatchObject({
      completed: false,
      next: { id: fourth.id },
    });
  });

  it('heartbeat bumps the time and reports cancellation and loss', () => {
    const { queue, time } = setup();
    const task = queue.enqueue({ skill: 'summarize', payload: {} });
    queue.claim({ agent: 'a' });
    time.now += 30_000;
    expect(queue.heartbeat(task.id, 'a')).toEqual({ cancelled: false, lost: false });
    expect(queue.get(task.id)?.heartbeatAt).toBe('2025-01-01T00:00:30.000Z');
    expect(queue.heartbeat(task.id, 'b')).toEqual({ cancelled: false, lost: true });
    queue.cancel(task.id);
    expect(queue.heartbeat(task.id, 'a')).toEqual({ cancelled: true, lost: true });
    expect(queue.complete(task.id, 'a', 'late')).toBe(false);
    expect(queue.heartbeat(999, 'a')).toEqual({ cancelled: false, lost: true });
  });
});

describe('cancel', () => {
  it('cancels PENDING, RUNNING and WAITING_HUMAN tasks, refuses finished or unknown ones', () => {
    const { queue } = setup();
    const pending = queue.enqueue({ skill: 'summarize', payload: {} });
    expect(queue.cancel(pending.id)).toMatchObject({ status: 'CANCELLED' });
    const running = queue.enqueue({ skill: 'summarize', payload: {} });
    queue.claim({ agent: 'a' });
    expect(queue.cancel(running.id)).toMatchObject({ status: 'CANCELLED', claimedBy: 'a' });
    expect(expectQueueError(() => queue.cancel(running.id), 'QUEUE_INVALID_TRANSITION').taskId).toBe(
      running.id,
    );
    const waiting = queue.enqueue({ skill: 'summarize', payload: {} });
    // parkForHuman is the real way to WAITING_HUMAN (create-queue.hitl.test.ts); set it directly here.
    getQueueDatabase(queue).prepare("UPDATE tasks SET status = 'WAITING_HUMAN' WHERE id = ?").run(waiting.id);
    expect(queue.cancel(waiting.id)).toMatchObject({ status: 'CANCELLED' });
    const done = queue.enqueue({ skill: 'summarize', payload: {} });
    queue.claim({ agent: 'a' });
    queue.complete(done.id, 'a', null);
    expectQueueError(() => queue.cancel(done.id), 'QUEUE_INVALID_TRANSITION');
    expect(expectQueueError(() => queue.cancel(404), 'QUEUE_TASK_NOT_FOUND').taskId).toBe(404);
  });
});

describe('reads', () => {
  it('get, getOrThrow, list (newest first, filtered) and counts', () => {
    const { queue } = setup();
    for (let index = 0; index < 4; index++)
      queue.enqueue({ skill: index % 2 ? 'summarize' : 'web_search', payload: {} });
    queue.claim({ agent: 'a' });
    expect(queue.get(99)).toBeUndefined();
    expectQueueError(() => queue.getOrThrow(99), 'QUEUE_TASK_NOT_FOUND');
    expect(queue.list().map((task) => task.id)).toEqual([4, 3, 2, 1]);
    expect(queue.list({ limit: 2 }).map((task) => task.id)).toEqual([4, 3]);
    expect(queue.list({ skill: 'summarize' }).map((task) => task.id)).toEqual([4, 2]);
    expect(queue.list({ status: 'RUNNING' }).map((task) => task.id)).toEqual([1]);
    expectQueueError(() => queue.list({ limit: 0 }), 'QUEUE_INVALID_ARGUMENT');
    expect(queue.counts()).toEqual({
      PENDING: 3,
      RUNNING: 1,
      DONE: 0,
      FAILED: 0,
      CANCELLED: 0,
      WAITING_HUMAN: 0,
      BLOCKED: 0,
      SKIPPED: 0,
    });
  });
});

describe('recovery', () => {
  it('requeueAgentTasks returns a dead agent’s tasks, failing those out of attempts', () => {
    const { queue } = setup();
    const retryable = queue.enqueue({ skill: 'summarize', payload: {}, priority: 9 });
    const lastTry = queue.enqueue({ skill: 'summarize', payload: {}, priority: 8, maxAttempts: 1 });
    const otherAgents = queue.enqueue({ skill: 'summarize', payload: {}, priority: 7 });
    queue.claim({ agent: 'coder_1' });
    queue.claim({ agent: 'coder_1' });
    queue.claim({ agent: 'coder_2' });
    expect(queue.requeueAgentTasks('coder_1')).toEqual({ requeued: [retryable.id], failed: [lastTry.id] });
    expect(queue.get(retryable.id)).toMatchObject({ status: 'PENDING', claimedBy: null, attempts: 1 });
    expect(queue.get(lastTry.id)).toMatchObject({
      status: 'FAILED',
      error: 'worker died; max attempts reached',
    });
    expect(queue.get(otherAgents.id)?.status).toBe('RUNNING');
    expect(queue.requeueAgentTasks('coder_1')).toEqual({ requeued: [], failed: [] });
  });

  it('recoverStale returns tasks whose heartbeat is too old', () => {
    const { queue, time } = setup();
    const stale = queue.enqueue({ skill: 'summarize', payload: {} });
    const staleLast = queue.enqueue({ skill: 'summarize', payload: {}, maxAttempts: 1 });
    const fresh = queue.enqueue({ skill: 'summarize', payload: {} });
    queue.claim({ agent: 'a' });
    queue.claim({ agent: 'b' });
    queue.claim({ agent: 'c' });
    time.now += 60_000;
    queue.heartbeat(fresh.id, 'c');
    expect(queue.recoverStale({ olderThanMs: 120_000 })).toEqual({ requeued: [], failed: [] });
    const now = START + 100_000;
    expect(queue.recoverStale({ olderThanMs: 90_000, now })).toEqual({
      requeued: [stale.id],
      failed: [staleLast.id],
    });
    expect(queue.recoverStale({ olderThanMs: 90_000, now: new Date(START + 155_000) })).toEqual({
      requeued: [fresh.id],
      failed: [],
    });
    expect(queue.get(stale.id)?.status).toBe('PENDING');
    expect(queue.claim({ agent: 'd' })?.id).toBe(stale.id);
  });
});

describe('agents', () => {
  it('registers (upsert), heartbeats, keeps and increments restarts', () => {
    const { queue, time } = setup();
    expect(queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 100 })).toEqual({
      name: 'coder_1',
      role: 'coder',
      status: 'STARTING',
      pid: 100,
      host: 'test-host',
      lastHeartbeat: '2025-01-01T00:00:00.000Z',
      currentTaskId: null,
      startedAt: '2025-01-01T00:00:00.000Z',
      restarts: 0,
    });
    time.now += 1000;
    expect(queue.agentHeartbeat('coder_1', { status: 'BUSY', currentTaskId: 7 })).toBe(true);
    expect(queue.agentHeartbeat('ghost', { status: 'IDLE', currentTaskId: null })).toBe(false);
    // BUSY/IDLE and the current task come from the tasks the agent holds, not from what it reported.
    expect(queue.listAgents()[0]).toMatchObject({
      status: 'IDLE',
      currentTaskId: null,
      pid: 100,
      lastHeartbeat: '2025-01-01T00:00:01.000Z',
    });
    queue.registerAgent({
      name: 'coder_1',
      role: 'coder',
      pid: 101,
      incrementRestarts: true,
      status: 'IDLE',
    });
    queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 102, incrementRestarts: true, host: 'other' });
    queue.registerAgent({ name: 'analyst', role: 'analyst', pid: 103 });
    expect(queue.setAgentStatus('analyst', 'OFFLINE')).toBe(true);
    expect(queue.setAgentStatus('ghost', 'OFFLINE')).toBe(false);
    expect(queue.listAgents()).toMatchObject([
      { name: 'analyst', status: 'OFFLINE', restarts: 0 },
      { name: 'coder_1', status: 'STARTING', pid: 102, host: 'other', restarts: 2, currentTaskId: null },
    ]);
  });
});

describe('locks', () => {
  it('acquire, extend, expire and release', () => {
    const { queue, time } = setup();
    expect(queue.acquireLock('training', 'trainer', 60_000)).toBe(true);
    expect(queue.acquireLock('training', 'someone-else', 60_000)).toBe(false);
    time.now += 30_000;
    expect(queue.acquireLock('training', 'trainer', 60_000)).toBe(true);
    expect(queue.getLock('training')).toEqual({
      name: 'training',
      owner: 'trainer',
      acquiredAt: '2025-01-01T00:00:00.000Z',
      expiresAt: '2025-01-01T00:01:30.000Z',
    });
    time.now += 60_000; // now exactly at expiry: free
    expect(queue.getLock('training')).toBeUndefined();
    expect(queue.listLocks()).toEqual([]);
    expect(queue.acquireLock('training', 'someone-else', 1000)).toBe(true);
    expect(queue.getLock('training')).toMatchObject({
      owner: 'someone-else',
      acquiredAt: '2025-01-01T00:01:30.000Z',
    });
    expect(queue.releaseLock('training', 'trainer')).toBe(false);
    expect(queue.releaseLock('training', 'someone-else')).toBe(true);
    expect(queue.releaseLock('training')).toBe(false);
  });

  it('force-releases without an owner and supports locks that never expire', () => {
    const { queue, time } = setup();
    expect(queue.acquireLock('training', 'trainer', Number.POSITIVE_INFINITY)).toBe(true);
    expect(queue.acquireLock('gpu', 'worker', 10)).toBe(true);
    time.now += 365 * 24 * 3600_000;
    expect(queue.listLocks()).toEqual([
      { name: 'training', owner: 'trainer', acquiredAt: '2025-01-01T00:00:00.000Z', expiresAt: null },
    ]);
    expect(queue.releaseLock('training')).toBe(true);
    expect(queue.getLock('training')).toBeUndefined();
    expectQueueError(() => queue.acquireLock('x', 'y', 0), 'QUEUE_INVALID_ARGUMENT');
  });
});

describe('waitForTask', () => {
  it('resolves when the task finishes, polling with a growing interval', async () => {
    vi.useFakeTimers();
    const { queue } = setup();
    const task = queue.enqueue({ skill: 'summarize', payload: {} });
    const timeouts = vi.spyOn(globalThis, 'setTimeout');
    let settled: unknown;
    const waiting = queue.waitForTask(task.id).then((value) => {
      settled = value;
    });
    await vi.advanceTimersByTimeAsync(3000);
    expect(settled).toBeUndefined();
    // One read per sleep; the sleeps grow by half from 25 ms and stop at 500 ms: no busy polling.
    const sleeps = timeouts.mock.calls.map((call) => Math.round(Number(call[1])));
    expect(sleeps.slice(0, 10)).toEqual([25, 38, 56, 84, 127, 190, 285, 427, 500, 500]);
    expect(sleeps.length).toBeLessThan(15);
    queue.claim({ agent: 'a' });
    queue.complete(task.id, 'a', { ok: true });
    await vi.advanceTimersByTimeAsync(500);
    await waiting;
    expect(settled).toMatchObject({ id: task.id, status: 'DONE', result: { ok: true } });
  });

  it('resolves at once for a finished task, rejects for unknown ids and on abort', async () => {
    const { queue } = setup();
    const task = queue.enqueue({ skill: 'summarize', payload: {} });
    queue.cancel(task.id);
    await expect(queue.waitForTask(task.id)).resolves.toMatchObject({ status: 'CANCELLED' });
    await expect(queue.waitForTask(404)).rejects.toMatchObject({ code: 'QUEUE_TASK_NOT_FOUND' });
    const pending = queue.enqueue({ skill: 'summarize', payload: {} });
    const controller = new AbortController();
    const waiting = queue.waitForTask(pending.id, { signal: controller.signal, pollMs: 5 });
    setTimeout(() => controller.abort(new Error('user pressed ctrl-c')), 20);
    await expect(waiting).rejects.toThrow('user pressed ctrl-c');
  });
});
