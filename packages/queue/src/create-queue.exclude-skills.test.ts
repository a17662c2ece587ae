import { afterEach, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue';
import type { TaskQueue } from './task-queue';

let queue: TaskQueue | undefined;
afterEach(() => queue?.close());

const open = () => {
  queue = createQueue({ file: ':memory:' });
  return queue;
};

describe('claim options: excludeSkills', () => {
  it('never claims an excluded skill, with or without a skill list, and claims it once no longer excluded', () => {
    const queue = open();
    const heavy = queue.enqueue({ skill: 'summarize', payload: {}, priority: 9 });
    const light = queue.enqueue({ skill: 'web_search', payload: {}, priority: 1 });
    // Without a skill list (NOT IN filter): the lower-priority task is taken, the heavy one waits.
    expect(queue.claim({ agent: 'a', excludeSkills: ['summarize'] })?.id).toBe(light.id);
    expect(queue.claim({ agent: 'a', excludeSkills: ['summarize'] })).toBeUndefined();
    expect(queue.get(heavy.id)).toMatchObject({ status: 'PENDING', attempts: 0 });
    // With a skill list: the list minus the excluded skills.
    expect(
      queue.claimMany({ agent: 'a', skills: ['summarize', 'web_search'], excludeSkills: ['summarize'] }, 5),
    ).toEqual([]);
    expect(queue.claim({ agent: 'a', skills: ['summarize'], excludeSkills: ['summarize'] })).toBeUndefined();
    // Allowed again.
    expect(queue.claim({ agent: 'a', skills: ['summarize', 'web_search'], excludeSkills: [] })?.id).toBe(
      heavy.id,
    );
  });

  it('applies to tasks assigned to the agent and to preferred skills', () => {
    const queue = open();
    const assigned = queue.enqueue({ skill: 'summarize', payload: {}, assignedTo: 'a', priority: 10 });
    const preferred = queue.enqueue({ skill: 'code_review', payload: {}, priority: 8 });
    const other = queue.enqueue({ skill: 'web_search', payload: {}, priority: 1 });
    const request = {
      agent: 'a',
      preferredSkills: ['code_review'],
      excludeSkills: ['summarize', 'code_review'],
    };
    expect(queue.claimMany(request, 10).map((task) => task.id)).toEqual([other.id]);
    expect(queue.claimMany({ ...request, skills: ['summarize', 'code_review', 'web_search'] }, 10)).toEqual(
      [],
    );
    expect(queue.get(assigned.id)?.status).toBe('PENDING');
    expect(queue.get(preferred.id)?.status).toBe('PENDING');
    // Assigned first, then preferred, once nothing is excluded.
    expect(
      queue.claimMany({ agent: 'a', preferredSkills: ['code_review'] }, 10).map((task) => task.id),
    ).toEqual([assigned.id, preferred.id]);
  });

  it('settle claims with the exclusion too', () => {
    const queue = open();
    const first = queue.enqueue({ skill: 'web_search', payload: {} });
    const heavy = queue.enqueue({ skill: 'synthesize', payload: {}, priority: 9 });
    const [claimed] = queue.claimMany({ agent: 'a', excludeSkills: ['synthesize'] }, 1);
    expect(claimed?.id).toBe(first.id);
    const { next } = queue.settle({
      agent: 'a',
      completed: [{ taskId: first.id, result: null }],
      claim: { skills: ['web_search', 'synthesize'], excludeSkills: ['synthesize'] },
      limit: 4,
    });
    expect(next).toEqual([]);
    expect(queue.get(heavy.id)?.status).toBe('PENDING');
    expect(
      queue
        .settle({ agent: 'a', claim: { skills: ['web_search', 'synthesize'] }, limit: 4 })
        .next.map((task) => task.id),
    ).toEqual([heavy.id]);
  });
});
