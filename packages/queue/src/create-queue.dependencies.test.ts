import type { Task } from '@biged/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue';
import { QueueError } from './errors/queue-error';
import { getQueueDatabase } from './queue-database';
import type { SubmitManyRequest, TaskQueue } from './task-queue';

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

/** Claims the next task for `agent` and completes it; returns its id. */
function runNext(queue: TaskQueue, agent = 'a'): number | undefined {
  const task = queue.claim({ agent });
  if (!task) return undefined;
  expect(queue.complete(task.id, agent, { ran: task.id })).toBe(true);
  return task.id;
}

const status = (queue: TaskQueue, id: number) => queue.getOrThrow(id).status;
const step = (ref: string, dependsOn: Array<string | number> = [], extra: Partial<SubmitManyRequest> = {}) =>
  ({ skill: 'step', payload: { ref }, ref, dependsOn, ...extra }) satisfies SubmitManyRequest;

describe('dependencies', () => {
  it('runs a diamond (A -> B, C -> D): D once, only after both B and C', () => {
    const { queue } = setup();
    // Listed out of order on purpose: the batch is inserted dependencies first.
    const results = queue.submitMany([step('d', ['b', 'c']), step('b', ['a']), step('a'), step('c', ['a'])]);
    const [d, b, a, c] = results.map((result) => result.task) as [Task, Task, Task, Task];
    expect(results.every((result) => !result.duplicate)).toBe(true);
    expect([a.status, b.status, c.status, d.status]).toEqual(['PENDING', 'BLOCKED', 'BLOCKED', 'BLOCKED']);
    expect(a.id).toBeLessThan(b.id);
    expect(Math.max(b.id, c.id)).toBeLessThan(d.id);
    expect(queue.dependencies(d.id)).toEqual({
      taskId: d.id,
      dependsOn: [b.id, c.id].sort((left, right) => left - right),
      dependents: [],
      blockedCount: 2,
      onDependencyFailure: 'fail',
    });
    expect(queue.dependencies(a.id).dependents).toEqual([b.id, c.id].sort((left, right) => left - right));

    expect(runNext(queue)).toBe(a.id);
    expect([status(queue, b.id), status(queue, c.id), status(queue, d.id)]).toEqual([
      'PENDING',
      'PENDING',
      'BLOCKED',
    ]);
    const first = runNext(queue) as number;
    expect([b.id, c.id]).toContain(first);
    expect(status(queue, d.id)).toBe('BLOCKED');
    expect(queue.dependencies(d.id).blockedCount).toBe(1);
    // Nothing else is claimable while D waits for the other branch... except that branch.
    const second = runNext(queue) as number;
    expect([b.id, c.id].filter((id) => id !== first)).toEqual([second]);
    expect(queue.getOrThrow(d.id)).toMatchObject({ status: 'PENDING', attempts: 0 });
    expect(queue.dependencies(d.id).blockedCount).toBe(0);
    expect(runNext(queue)).toBe(d.id);
    expect(runNext(queue)).toBeUndefined();
    expect(queue.getOrThrow(d.id)).toMatchObject({ status: 'DONE', attempts: 1 });
  });

  it('fans out to 1,000 children and in to one join that becomes claimable once, after the last child', () => {
    const { queue } = setup();
    const CHILDREN = 1000;
    const children = Array.from({ length: CHILDREN }, (_, index) => step(`child-${index}`));
    const join = step(
      'join',
      children.map((child) => child.ref),
      { skill: 'join' },
    );
    const results = queue.submitMany([join, ...children]);
    const joinId = results[0]?.task.id as number;
    expect(results[0]?.task.status).toBe('BLOCKED');
    expect(queue.counts()).toMatchObject({ PENDING: CHILDREN, BLOCKED: 1 });

    // The worker loop: settle what ran, claim the next batch in the same transaction.
    const agent = 'worker_1';
    let batch = queue.claimMany({ agent }, 32);
    let joinClaims = 0;
    let childrenDone = 0;
    while (batch.length > 0) {
      for (const task of batch) {
        if (task.id === joinId) {
          joinClaims += 1;
          expect(childrenDone).toBe(CHILDREN);
        } else {
          // Until the last child is settled the join is never claimable.
          expect(status(queue, joinId)).toBe('BLOCKED');
          expect(queue.dependencies(joinId).blockedCount).toBe(CHILDREN - childrenDone);
        }
      }
      const settledChildren = batch.filter((task) => task.id !== joinId).length;
      batch = queue.settle({
        agent,
        completed: batch.map((task) => ({ taskId: task.id, result: null })),
        claim: {},
        limit: 32,
      }).next;
      childrenDone += settledChildren;
    }
    expect(childrenDone).toBe(CHILDREN);
    expect(joinClaims).toBe(1);
    expect(queue.getOrThrow(joinId)).toMatchObject({ status: 'DONE', attempts: 1 });
    expect(queue.counts()).toMatchObject({ DONE: CHILDREN + 1, BLOCKED: 0, PENDING: 0 });
  });

  it('settle promotes a dependent in its own transaction, so the same call can claim it', () => {
    const { queue } = setup();
    const first = queue.enqueue({ skill: 'step', payload: {} });
    const second = queue.enqueue({ skill: 'step', payload: {}, dependsOn: [first.id], priority: 10 });
    expect(queue.claimMany({ agent: 'a' }, 5).map((task) => task.id)).toEqual([first.id]);
    const settled = queue.settle({
      agent: 'a',
      completed: [{ taskId: first.id, result: 1 }],
      claim: {},
      limit: 5,
    });
    expect(settled.next.map((task) => task.id)).toEqual([second.id]);
    // completeAndClaim, the other combined path, does the same.
    const third = queue.enqueue({ skill: 'step', payload: {}, dependsOn: [second.id] });
    expect(queue.completeAndClaim(second.id, 'a', null).next?.id).toBe(third.id);
  });

  it('a settle batch that completes several dependencies of one task counts each of them once', () => {
    const { queue } = setup();
    const [a, b, c] = queue.submitMany([step('a'), step('b'), step('c')]).map((result) => result.task.id) as [
      number,
      number,
      number,
    ];
    const both = queue.enqueue({ skill: 'join', payload: {}, dependsOn: [a, b] });
    const all = queue.enqueue({ skill: 'join', payload: {}, dependsOn: [a, b, c] });
    const claimed = queue.claimMany({ agent: 'a', skills: ['step'] }, 3).map((task) => task.id);
    expect(claimed).toEqual([a, b, c]);
    const settled = queue.settle({
      agent: 'a',
      completed: [
        { taskId: a, result: null },
        { taskId: b, result: null },
        { taskId: a, result: null }, // a repeat is not counted twice
      ],
      claim: { skills: ['join'] },
      limit: 5,
    });
    expect(settled.completed).toBe(2);
    expect(settled.next.map((task) => task.id)).toEqual([both.id]);
    expect(queue.getOrThrow(all.id).status).toBe('BLOCKED');
    expect(queue.dependencies(all.id).blockedCount).toBe(1);
    queue.settle({ agent: 'a', completed: [{ taskId: c, result: null }] });
    expect(queue.getOrThrow(all.id).status).toBe('PENDING');
  });

  it('never claims a BLOCKED task, even assigned, preferred and most urgent', () => {
    const { queue } = setup();
    const gate = queue.enqueue({ skill: 'gate', payload: {}, priority: 1 });
    const blocked = queue.enqueue({
      skill: 'urgent',
      payload: {},
      priority: 10,
      assignedTo: 'a',
      dependsOn: [gate.id],
    });
    expect(queue.claim({ agent: 'a', skills: ['urgent'], preferredSkills: ['urgent'] })).toBeUndefined();
    expect(queue.claim({ agent: 'a', preferredSkills: ['urgent'] })?.id).toBe(gate.id);
    expect(queue.claim({ agent: 'a' })).toBeUndefined();
    queue.complete(gate.id, 'a');
    expect(queue.claim({ agent: 'a', skills: ['urgent'] })?.id).toBe(blocked.id);
  });

  it('does not block on a dependency that is already DONE, and ignores repeated ids', () => {
    const { queue } = setup();
    const done = queue.enqueue({ skill: 'step', payload: {} });
    runNext(queue);
    const open = queue.enqueue({ skill: 'step', payload: {} });
    const ready = queue.enqueue({ skill: 'step', payload: {}, dependsOn: [done.id, done.id] });
    expect(ready.status).toBe('PENDING');
    expect(queue.dependencies(ready.id)).toMatchObject({ dependsOn: [done.id], blockedCount: 0 });
    const waiting = queue.enqueue({ skill: 'step', payload: {}, dependsOn: [done.id, open.id] });
    expect(waiting.status).toBe('BLOCKED');
    expect(queue.dependencies(waiting.id).blockedCount).toBe(1);
  });

  it("a dependency that fails for good fails 'fail' dependents and skips 'skip' ones, with the reason", () => {
    const { queue, time } = setup();
    const flaky = queue.enqueue({ skill: 'step', payload: {}, maxAttempts: 2 });
    const failing = queue.enqueue({ skill: 'step', payload: {}, dependsOn: [flaky.id] });
    const skipping = queue.enqueue({
      skill: 'step',
      payload: {},
      dependsOn: [flaky.id],
      onDependencyFailure: 'skip',
    });
    expect(queue.dependencies(skipping.id).onDependencyFailure).toBe('skip');

    // A failure with attempts left is not the end: the dependents keep waiting.
    queue.claim({ agent: 'a' });
    expect(queue.fail(flaky.id, 'a', 'boom')?.status).toBe('PENDING');
    expect([status(queue, failing.id), status(queue, skipping.id)]).toEqual(['BLOCKED', 'BLOCKED']);

    time.now += 1000;
    queue.claim({ agent: 'a' });
    expect(queue.fail(flaky.id, 'a', 'boom again')?.status).toBe('FAILED');
    expect(queue.getOrThrow(failing.id)).toMatchObject({
      status: 'FAILED',
      error: `dependency ${flaky.id} failed`,
      attempts: 0,
      finishedAt: new Date(START + 1000).toISOString(),
    });
    expect(queue.getOrThrow(skipping.id)).toMatchObject({
      status: 'SKIPPED',
      error: `dependency ${flaky.id} failed`,
    });
    expect(queue.claim({ agent: 'a' })).toBeUndefined();
    expect(queue.counts()).toMatchObject({ FAILED: 2, SKIPPED: 1 });
    expect(queue.list({ status: 'SKIPPED' }).map((task) => task.id)).toEqual([skipping.id]);
  });

  it('fails and skips transitively, each task naming the dependency it ended through', () => {
    const { queue } = setup();
    const [a, b, c, d, side, join] = queue
      .submitMany([
        step('a', [], { maxAttempts: 1 }),
        step('b', ['a'], { onDependencyFailure: 'skip' }),
        step('c', ['b']),
        step('d', ['c'], { onDependencyFailure: 'skip' }),
        step('side'),
        step('join', ['side', 'd']),
      ])
      .map((result) => result.task.id) as [number, number, number, number, number, number];
    queue.claim({ agent: 'a', skills: ['step'] });
    queue.fail(a, 'a', 'broken', { retry: false });
    expect(
      [b, c, d, join].map((id) => {
        const { status, error } = queue.getOrThrow(id);
        return [status, error];
      }),
    ).toEqual([
      ['SKIPPED', `dependency ${a} failed`],
      ['FAILED', `dependency ${b} skipped`],
      ['SKIPPED', `dependency ${c} failed`],
      ['FAILED', `dependency ${d} skipped`],
    ]);
    // The independent branch is untouched and still runs.
    expect(status(queue, side)).toBe('PENDING');
    expect(runNext(queue)).toBe(side);
  });

  it('recovery that fails a task out of attempts fails its dependents too', () => {
    const { queue, time } = setup();
    const task = queue.enqueue({ skill: 'step', payload: {}, maxAttempts: 1 });
    const dependent = queue.enqueue({ skill: 'step', payload: {}, dependsOn: [task.id] });
    const other = queue.enqueue({ skill: 'step', payload: {}, maxAttempts: 1 });
    const otherDependent = queue.enqueue({ skill: 'step', payload: {}, dependsOn: [other.id] });
    queue.claim({ agent: 'dead' });
    expect(queue.requeueAgentTasks('dead').failed).toEqual([task.id]);
    expect(queue.getOrThrow(dependent.id)).toMatchObject({
      status: 'FAILED',
      error: `dependency ${task.id} failed`,
    });
    queue.claim({ agent: 'stuck' });
    time.now += 60_000;
    expect(queue.recoverStale({ olderThanMs: 1000 }).failed).toEqual([other.id]);
    expect(status(queue, otherDependent.id)).toBe('FAILED');
  });

  it('a new task whose dependency already failed, was skipped or cancelled ends at once by its policy', () => {
    const { queue } = setup();
    const failed = queue.enqueue({ skill: 'step', payload: {}, maxAttempts: 1 });
    queue.claim({ agent: 'a' });
    queue.fail(failed.id, 'a', 'x');
    const cancelled = queue.enqueue({ skill: 'step', payload: {} });
    queue.cancel(cancelled.id);
    const done = queue.enqueue({ skill: 'step', payload: {} });
    runNext(queue);

    const late = queue.enqueue({ skill: 'step', payload: {}, dependsOn: [done.id, cancelled.id, failed.id] });
    // The lowest id among the unsuccessful ones is named.
    expect(late).toMatchObject({ status: 'FAILED', error: `dependency ${failed.id} failed` });
    expect(late.finishedAt).not.toBeNull();
    const skipped = queue.enqueue({
      skill: 'step',
      payload: {},
      dependsOn: [cancelled.id],
      onDependencyFailure: 'skip',
    });
    expect(skipped).toMatchObject({ status: 'SKIPPED', error: `dependency ${cancelled.id} cancelled` });
    const downstream = queue.enqueue({ skill: 'step', payload: {}, dependsOn: [skipped.id] });
    expect(downstream).toMatchObject({ status: 'FAILED', error: `dependency ${skipped.id} skipped` });
    expect(queue.claim({ agent: 'a' })).toBeUndefined();
  });

  it('waitForTask resolves for a SKIPPED task', async () => {
    const { queue } = setup();
    const gate = queue.enqueue({ skill: 'step', payload: {}, maxAttempts: 1 });
    const skipped = queue.enqueue({
      skill: 'step',
      payload: {},
      dependsOn: [gate.id],
      onDependencyFailure: 'skip',
    });
    const waiting = queue.waitForTask(skipped.id, { pollMs: 1 });
    queue.claim({ agent: 'a' });
    queue.fail(gate.id, 'a', 'x');
    await expect(waiting).resolves.toMatchObject({ id: skipped.id, status: 'SKIPPED' });
  });
});

describe('cancel cascades', () => {
  it('cancels open children, their children, and the tasks that depend on any of them', () => {
    const { queue } = setup();
    const other = queue.enqueue({ skill: 'lead', payload: {} });
    const doneChild = queue.enqueue({ skill: 'step', payload: {}, parentId: other.id, priority: 10 });
    expect(runNext(queue)).toBe(doneChild.id);
    const runningChild = queue.enqueue({ skill: 'step', payload: {}, parentId: other.id, priority: 10 });
    expect(queue.claim({ agent: 'w' })?.id).toBe(runningChild.id);
    const pendingChild = queue.enqueue({ skill: 'step', payload: {}, parentId: other.id });
    const grandchild = queue.enqueue({ skill: 'step', payload: {}, parentId: pendingChild.id });
    const blockedChild = queue.enqueue({
      skill: 'step',
      payload: {},
      parentId: other.id,
      dependsOn: [pendingChild.id],
    });
    const dependent = queue.enqueue({
      skill: 'step',
      payload: {},
      dependsOn: [other.id],
      onDependencyFailure: 'skip',
    });
    const dependentOfChild = queue.enqueue({ skill: 'step', payload: {}, dependsOn: [runningChild.id] });
    const unrelated = queue.enqueue({ skill: 'step', payload: {} });

    expect(queue.cancel(other.id)).toMatchObject({ id: other.id, status: 'CANCELLED' });
    const state = (id: number) => {
      const task = queue.getOrThrow(id);
      return [task.status, task.error];
    };
    expect(state(runningChild.id)).toEqual(['CANCELLED', `parent ${other.id} cancelled`]);
    expect(state(pendingChild.id)).toEqual(['CANCELLED', `parent ${other.id} cancelled`]);
    expect(state(grandchild.id)).toEqual(['CANCELLED', `parent ${pendingChild.id} cancelled`]);
    expect(status(queue, blockedChild.id)).toBe('CANCELLED');
    // A cancel is the operator's decision for what waits on the task too, whatever its failure policy.
    expect(state(dependent.id)).toEqual(['CANCELLED', `dependency ${other.id} cancelled`]);
    expect(state(dependentOfChild.id)).toEqual(['CANCELLED', `dependency ${runningChild.id} cancelled`]);
    expect(status(queue, unrelated.id)).toBe('PENDING');
    expect(status(queue, doneChild.id)).toBe('DONE');
    // The worker of the running child learns it from its heartbeat.
    expect(queue.heartbeat(runningChild.id, 'w')).toEqual({ cancelled: true, lost: true });
    expect(queue.complete(runningChild.id, 'w')).toBe(false);
  });

  it('cancels a BLOCKED task directly, and what waits on it', () => {
    const { queue } = setup();
    const gate = queue.enqueue({ skill: 'step', payload: {} });
    const blocked = queue.enqueue({ skill: 'step', payload: {}, dependsOn: [gate.id] });
    const after = queue.enqueue({ skill: 'step', payload: {}, dependsOn: [blocked.id] });
    expect(queue.cancel(blocked.id).status).toBe('CANCELLED');
    expect(status(queue, after.id)).toBe('CANCELLED');
    // Completing the gate later promotes nothing that was cancelled.
    expect(runNext(queue)).toBe(gate.id);
    expect([status(queue, blocked.id), status(queue, after.id)]).toEqual(['CANCELLED', 'CANCELLED']);
    expect(runNext(queue)).toBeUndefined();
    expectQueueError(() => queue.cancel(blocked.id), 'QUEUE_INVALID_TRANSITION');
  });
});

describe('refused dependencies', () => {
  it('refuses an unknown dependency id and stores nothing', () => {
    const { queue } = setup();
    const known = queue.enqueue({ skill: 'step', payload: {} });
    const error = expectQueueError(
      () => queue.enqueue({ skill: 'step', payload: {}, dependsOn: [known.id, 99] }),
      'QUEUE_DEPENDENCY_NOT_FOUND',
    );
    expect(error.taskId).toBe(99);
    expect(error.message).toBe('dependency 99 does not exist');
    expect(total(queue)).toBe(1);
    expect(queue.dependencies(known.id).dependents).toEqual([]);
    // The failed submit did not use up an id either.
    expect(queue.enqueue({ skill: 'step', payload: {} }).id).toBe(known.id + 1);
  });

  it('refuses a batch with an unknown ref or id as a whole', () => {
    const { queue } = setup();
    const error = expectQueueError(
      () => queue.submitMany([step('a'), step('b', ['a', 'nope'])]),
      'QUEUE_DEPENDENCY_NOT_FOUND',
    );
    expect(error.ref).toBe('nope');
    expect(error.message).toContain('request 1');
    expectQueueError(() => queue.submitMany([step('a'), step('b', ['a', 42])]), 'QUEUE_DEPENDENCY_NOT_FOUND');
    expect(total(queue)).toBe(0);
  });

  it('refuses a cycle in a batch with QUEUE_DEPENDENCY_CYCLE, naming it, and stores nothing', () => {
    const { queue } = setup();
    const error = expectQueueError(
      () => queue.submitMany([step('start'), step('a', ['start', 'c']), step('b', ['a']), step('c', ['b'])]),
      'QUEUE_DEPENDENCY_CYCLE',
    );
    // Each waits for the next; the circle is closed by repeating its first ref.
    expect(error.cycle).toEqual(['a', 'c', 'b', 'a']);
    expect(error.message).toContain('a -> c -> b -> a');
    const self = expectQueueError(() => queue.submitMany([step('loop', ['loop'])]), 'QUEUE_DEPENDENCY_CYCLE');
    expect(self.cycle).toEqual(['loop', 'loop']);
    expect(total(queue)).toBe(0);
  });

  it('refuses malformed dependency options with QUEUE_INVALID_ARGUMENT', () => {
    const { queue } = setup();
    const gate = queue.enqueue({ skill: 'step', payload: {} });
    const cases: Array<[string, () => unknown, string]> = [
      [
        'string id in submit',
        () => queue.enqueue({ skill: 's', payload: {}, dependsOn: ['a'] as never }),
        'refs work only within submitMany',
      ],
      ['zero id', () => queue.enqueue({ skill: 's', payload: {}, dependsOn: [0] }), 'dependsOn entry'],
      [
        'fractional id',
        () => queue.enqueue({ skill: 's', payload: {}, dependsOn: [1.5] }),
        'dependsOn entry',
      ],
      [
        'not an array',
        () => queue.enqueue({ skill: 's', payload: {}, dependsOn: 3 as never }),
        'must be an array',
      ],
      [
        'too many',
        () =>
          queue.enqueue({
            skill: 's',
            payload: {},
            dependsOn: Array.from({ length: 10_001 }, () => gate.id),
          }),
        'at most 10000',
      ],
      [
        'bad policy',
        () => queue.enqueue({ skill: 's', payload: {}, onDependencyFailure: 'explode' as never }),
        "'fail' or 'skip'",
      ],
      ['duplicate ref', () => queue.submitMany([step('a'), step('a')]), 'used twice'],
      ['empty ref', () => queue.submitMany([step('')]), 'non-empty string'],
      ['long ref', () => queue.submitMany([step('r'.repeat(201))]), 'at most 200'],
      ['not a list', () => queue.submitMany('a' as never), 'array of requests'],
      [
        'too many requests',
        () => queue.submitMany(Array.from({ length: 10_001 }, () => ({ skill: 's', payload: {} }))),
        'at most 10000',
      ],
    ];
    for (const [label, run, text] of cases) {
      const error = expectQueueError(run, 'QUEUE_INVALID_ARGUMENT');
      expect(error.message, label).toContain(text);
    }
    // A bad request anywhere in a batch stores nothing, and says which one.
    const badSkill = expectQueueError(
      () => queue.submitMany([step('a'), { skill: 'Bad Skill', payload: {} }]),
      'QUEUE_INVALID_SKILL',
    );
    expect(badSkill.message).toContain('request 1');
    expect(total(queue)).toBe(1);
  });
});

describe('submitMany', () => {
  it('keeps request order for the results, mixes ids and refs, and links parents', () => {
    const { queue } = setup();
    const existing = queue.enqueue({ skill: 'lead', payload: {} });
    const results = queue.submitMany([
      { skill: 'step', payload: { n: 1 }, parentId: existing.id },
      { skill: 'step', payload: { n: 2 }, ref: 'two', dependsOn: [existing.id] },
      { skill: 'step', payload: { n: 3 }, dependsOn: ['two', existing.id] },
    ]);
    expect(results.map((result) => result.task.payload)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(results.map((result) => result.task.id)).toEqual([2, 3, 4]);
    expect(results[0]?.task.parentId).toBe(existing.id);
    expect(queue.dependencies(4).dependsOn).toEqual([existing.id, 3]);
    expect(queue.submitMany([])).toEqual([]);
    expectQueueError(
      () => queue.submitMany([{ skill: 'step', payload: {}, parentId: 99 }]),
      'QUEUE_TASK_NOT_FOUND',
    );
    expect(total(queue)).toBe(4);
  });

  it('reports dependencies of an unknown task as QUEUE_TASK_NOT_FOUND', () => {
    const { queue } = setup();
    expect(expectQueueError(() => queue.dependencies(7), 'QUEUE_TASK_NOT_FOUND').taskId).toBe(7);
  });

  it('keeps the edges after both ends finish (the graph of a run stays readable)', () => {
    const { queue } = setup();
    const [a, b] = queue.submitMany([step('a'), step('b', ['a'])]).map((result) => result.task.id);
    runNext(queue);
    runNext(queue);
    expect(queue.dependencies(b as number).dependsOn).toEqual([a]);
    const edges = getQueueDatabase(queue).prepare('SELECT count(*) FROM task_dependencies').pluck().get();
    expect(edges).toBe(1);
  });
});
