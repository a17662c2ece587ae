import { setTimeout as sleep } from 'node:timers/promises';
import { createSilentLogger, fleetPaths, parseFleetConfig, type Task } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { createQueue, type TaskQueue } from '@biged/queue';
import { createSkillRegistry, defineSkill, z } from '@biged/skill-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './test-helpers';
import { runWorker, type WorkerHandle } from './worker';

let home: TempHome | undefined;
let queue: TaskQueue | undefined;
let worker: WorkerHandle | undefined;
afterEach(async () => {
  await worker?.stop(100);
  queue?.close();
  home?.cleanup();
  worker = undefined;
});

const pause = defineSkill({
  name: 'pause',
  description: 'Sleeps payload.ms.',
  payload: z.object({ ms: z.number() }),
  run: async ({ ms }, ctx) => {
    await sleep(ms, undefined, { signal: ctx.signal });
    return { ms };
  },
});

const start = (onTaskFinished?: (task: Task) => void) => {
  home = createTempHome();
  queue = createQueue({ file: home.db });
  queue.registerAgent({ name: 'w', role: 'coder', pid: process.pid, status: 'IDLE' });
  worker = runWorker({
    agent: { name: 'w', role: 'coder' },
    config: parseFleetConfig({ fleet: { heartbeat_interval_secs: 0.05 } }).config,
    paths: fleetPaths(home.home),
    queue,
    skills: createSkillRegistry([pause]),
    log: createSilentLogger(),
    idlePollMs: { min: 1, max: 10 },
    ...(onTaskFinished ? { onTaskFinished } : {}),
  });
  return queue;
};

describe('runWorker batching', () => {
  it('claims short tasks in batches, and a slow task hands the rest back without using their attempts', async () => {
    let running = 0;
    const queue = start();
    const fast = Array.from({ length: 40 }, () => queue.enqueue({ skill: 'pause', payload: { ms: 0 } }).id);
    await waitFor(() => fast.every((id) => queue.get(id)?.status === 'DONE'), 10_000, 'fast tasks DONE');
    // After 40 fast tasks the batch is at its maximum: the slow task is claimed with the others.
    const slow = queue.enqueue({ skill: 'pause', payload: { ms: 300 } }).id;
    const after = Array.from({ length: 5 }, () => queue.enqueue({ skill: 'pause', payload: { ms: 0 } }).id);
    await waitFor(() => queue.get(slow)?.status === 'RUNNING', 5_000, 'slow task RUNNING');
    running = queue.counts().RUNNING;
    await waitFor(() => after.every((id) => queue.get(id)?.status === 'DONE'), 10_000, 'later tasks DONE');
    expect(queue.get(slow)?.status).toBe('DONE');
    expect(running).toBeGreaterThan(1);
    for (const id of [...fast, slow, ...after]) expect(queue.get(id)?.attempts).toBe(1);
  });

  it('heartbeats the running task and aborts it when it is cancelled', async () => {
    const queue = start();
    const task = queue.enqueue({ skill: 'pause', payload: { ms: 10_000 } });
    await waitFor(() => queue.get(task.id)?.status === 'RUNNING', 5_000, 'task RUNNING');
    const firstBeat = queue.get(task.id)!.heartbeatAt;
    await waitFor(() => queue.get(task.id)!.heartbeatAt !== firstBeat, 5_000, 'a heartbeat');
    expect(queue.listAgents()[0]).toMatchObject({ status: 'BUSY', currentTaskId: task.id });
    queue.cancel(task.id);
    await waitFor(() => worker!.currentTaskId === null, 5_000, 'worker free');
    expect(queue.get(task.id)?.status).toBe('CANCELLED');
    expect(queue.listAgents()[0]).toMatchObject({ status: 'IDLE', currentTaskId: null });
  });

  it('on stop stores finished results and returns unstarted tasks to PENDING', async () => {
    const queue = start();
    const task = queue.enqueue({ skill: 'pause', payload: { ms: 10_000 } });
    await waitFor(() => queue.get(task.id)?.status === 'RUNNING', 5_000, 'task RUNNING');
    await worker!.stop(50);
    worker = undefined;
    expect(queue.get(task.id)).toMatchObject({ status: 'PENDING', claimedBy: null });
  });
});
