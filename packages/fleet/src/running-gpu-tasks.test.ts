import { createTempHome, type TempHome } from '@biged/core/test';
import { createQueue, type TaskQueue } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunningGpuTasks } from './running-gpu-tasks';

let home: TempHome | undefined;
let queue: TaskQueue | undefined;
afterEach(() => {
  queue?.close();
  home?.cleanup();
  queue = home = undefined;
});

function setup() {
  home = createTempHome();
  queue = createQueue({ file: home.db });
  return queue;
}

describe('createRunningGpuTasks', () => {
  it('counts RUNNING tasks of the GPU-heavy skills only', () => {
    const q = setup();
    const count = createRunningGpuTasks({ queue: q, skills: ['summarize', 'code_review', 'summarize'] });
    expect(count()).toBe(0);
    q.enqueue({ skill: 'summarize', payload: {} });
    q.enqueue({ skill: 'summarize', payload: {} });
    q.enqueue({ skill: 'code_review', payload: {} });
    q.enqueue({ skill: 'noop', payload: {} });
    // Pending tasks do not hold the GPU.
    expect(count()).toBe(0);
    const claimed = q.claimMany({ agent: 'coder_1', skills: ['summarize', 'noop'] }, 10);
    expect(claimed.map((task) => task.skill).sort()).toEqual(['noop', 'summarize', 'summarize']);
    expect(count()).toBe(2);
    const review = q.claim({ agent: 'coder_2', skills: ['code_review'] });
    expect(count()).toBe(3);
    q.complete(review!.id, 'coder_2', {});
    const summary = claimed.find((task) => task.skill === 'summarize')!;
    q.fail(summary.id, 'coder_1', 'boom', { retry: false });
    expect(count()).toBe(1);
  });

  it('no GPU-heavy skills: always 0', () => {
    const q = setup();
    q.enqueue({ skill: 'noop', payload: {} });
    q.claim({ agent: 'coder_1', skills: ['noop'] });
    expect(createRunningGpuTasks({ queue: q, skills: [] })()).toBe(0);
  });

  it('a queue that cannot be read gives undefined (unknown) and reports once per run of failures', () => {
    const q = setup();
    const errors: string[] = [];
    const count = createRunningGpuTasks({
      queue: q,
      skills: ['summarize'],
      onError: (error) => errors.push(error.message),
    });
    q.close();
    queue = undefined;
    expect(count()).toBeUndefined();
    expect(count()).toBeUndefined();
    expect(errors).toHaveLength(1);
  });
});
