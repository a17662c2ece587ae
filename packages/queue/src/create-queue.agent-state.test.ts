import { afterEach, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue';
import type { TaskQueue } from './task-queue';

let queue: TaskQueue | undefined;
afterEach(() => queue?.close());

describe('agent state follows claims', () => {
  it('marks the agent BUSY with its task on claim and IDLE when nothing follows', () => {
    queue = createQueue({ file: ':memory:' });
    queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 1, status: 'IDLE' });
    const agent = () => queue!.listAgents().find((candidate) => candidate.name === 'coder_1')!;
    const first = queue.enqueue({ skill: 'noop', payload: {} });
    const second = queue.enqueue({ skill: 'noop', payload: {} });

    const claimed = queue.claim({ agent: 'coder_1' })!;
    expect(claimed.id).toBe(first.id);
    expect(agent()).toMatchObject({ status: 'BUSY', currentTaskId: first.id });

    const { next } = queue.completeAndClaim(first.id, 'coder_1', null);
    expect(next?.id).toBe(second.id);
    expect(agent()).toMatchObject({ status: 'BUSY', currentTaskId: second.id });

    const after = queue.completeAndClaim(second.id, 'coder_1', null);
    expect(after.next).toBeUndefined();
    expect(agent()).toMatchObject({ status: 'IDLE', currentTaskId: null });

    const third = queue.enqueue({ skill: 'noop', payload: {} });
    queue.claim({ agent: 'coder_1' });
    queue.fail(third.id, 'coder_1', 'boom', { retry: false });
    expect(agent()).toMatchObject({ status: 'IDLE', currentTaskId: null });
  });
});

describe('claimMany and settle', () => {
  it('claims a batch in claim order and settles it in one call', () => {
    queue = createQueue({ file: ':memory:' });
    const ids = [1, 5, 9, 5, 1].map(
      (priority) => queue!.enqueue({ skill: 'noop', payload: {}, priority }).id,
    );
    const batch = queue.claimMany({ agent: 'w' }, 3);
    expect(batch.map((task) => task.id)).toEqual([ids[2], ids[1], ids[3]]);
    expect(
      batch.every((task) => task.status === 'RUNNING' && task.claimedBy === 'w' && task.attempts === 1),
    ).toBe(true);

    const settled = queue.settle({
      agent: 'w',
      completed: [{ taskId: ids[2]!, result: { ok: 1 } }],
      failed: [{ taskId: ids[1]!, error: 'boom', retry: false }],
      released: [ids[3]!],
      claim: {},
      limit: 5,
    });
    expect(settled.completed).toBe(1);
    expect(settled.failed.map((task) => [task.id, task.status])).toEqual([[ids[1], 'FAILED']]);
    // The released task is claimable again and its attempt was not counted.
    expect(settled.next.map((task) => task.id)).toEqual([ids[3], ids[0], ids[4]]);
    expect(settled.next[0]!.attempts).toBe(1);
    expect(queue.get(ids[2]!)).toMatchObject({ status: 'DONE', result: { ok: 1 } });
  });

  it('ignores tasks the agent does not hold and claims nothing without a claim request', () => {
    queue = createQueue({ file: ':memory:' });
    const task = queue.enqueue({ skill: 'noop', payload: {} });
    queue.claim({ agent: 'other' });
    const settled = queue.settle({
      agent: 'w',
      completed: [{ taskId: task.id, result: 1 }],
      released: [task.id],
    });
    expect(settled).toEqual({ completed: 0, failed: [], released: 0, next: [] });
    expect(queue.get(task.id)).toMatchObject({ status: 'RUNNING', claimedBy: 'other' });
  });

  it('rejects a batch limit out of range', () => {
    queue = createQueue({ file: ':memory:' });
    expect(() => queue!.claimMany({ agent: 'w' }, 0)).toThrow(/limit/);
    expect(() => queue!.settle({ agent: 'w', limit: 1001 })).toThrow(/limit/);
  });
});
