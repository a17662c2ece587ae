import { createSilentLogger, fleetPaths, parseFleetConfig, type Task } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { createQueue, type TaskQueue } from '@biged/queue';
import { createSkillRegistry, defineSkill, z } from '@biged/skill-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor, waitForStatus } from './test-helpers';
import { runWorker, type WorkerHandle } from './worker';

let home: TempHome | undefined;
let queue: TaskQueue | undefined;
let worker: WorkerHandle | undefined;
afterEach(async () => {
  await worker?.stop(100);
  queue?.close();
  home?.cleanup();
  worker = undefined;
  queue = undefined;
});

/** Deploys once a human said yes; counts its runs in the result. */
let gateRuns = 0;
const gate = defineSkill({
  name: 'gate',
  description: 'Asks a human before deploying.',
  payload: z.object({ target: z.string(), question: z.string().optional() }),
  run: async ({ target, question }, ctx) => {
    gateRuns += 1;
    const answer = await ctx.queue.askHuman({
      question: question ?? `Deploy to ${target}?`,
      context: { target, attempt: ctx.task.attempt },
    });
    return {
      deployed: target,
      status: answer.status,
      response: answer.response,
      research: answer.followUpResult ?? null,
      attempt: ctx.task.attempt,
    };
  },
});

/** Stands in for the research skill a more_info answer creates. */
const researchLoop = defineSkill({
  name: 'research_loop',
  description: 'Answers what the human asked for.',
  payload: z.object({ question: z.string(), response: z.string().nullable() }).passthrough(),
  run: ({ question, response }) => ({ finding: `${response} (for "${question}"): eu is faster` }),
});

function start(): TaskQueue {
  home = createTempHome();
  const opened = createQueue({ file: home.db });
  queue = opened;
  opened.registerAgent({ name: 'w', role: 'coder', pid: process.pid, status: 'IDLE' });
  const finished: Array<[number, string]> = [];
  worker = runWorker({
    agent: { name: 'w', role: 'coder' },
    config: parseFleetConfig({ fleet: { heartbeat_interval_secs: 0.05, hw_monitor: false } }).config,
    paths: fleetPaths(home.home),
    queue: opened,
    skills: createSkillRegistry([gate, researchLoop]),
    log: createSilentLogger(),
    idlePollMs: { min: 1, max: 10 },
    onTaskFinished: (task: Task, outcome) => finished.push([task.id, outcome]),
  });
  return opened;
}

describe('runWorker human in the loop', () => {
  it('parks a task whose skill asks, and re-runs it with the answer once a human approved', async () => {
    gateRuns = 0;
    const queue = start();
    const task = queue.enqueue({ skill: 'gate', payload: { target: 'staging' } });
    const parked = await waitForStatus(queue, task.id, 'WAITING_HUMAN');
    // The attempt the claim used was given back, and nobody holds the task.
    expect(parked).toMatchObject({ attempts: 0, claimedBy: null });
    const [request] = queue.listHitl();
    expect(request).toMatchObject({
      taskId: task.id,
      agent: 'w',
      question: 'Deploy to staging?',
      context: { target: 'staging', attempt: 1 },
      status: 'open',
    });
    expect(gateRuns).toBe(1);

    queue.answerHitl(request?.id as number, {
      status: 'approved',
      response: 'ship it',
      responder: 'cli:test',
    });
    const done = await waitForStatus(queue, task.id, 'DONE');
    expect(done.result).toEqual({
      deployed: 'staging',
      status: 'approved',
      response: 'ship it',
      research: null,
      attempt: 1,
    });
    expect(gateRuns).toBe(2);
    expect(queue.listHitl()).toEqual([]);
  });

  it('more_info: runs the research_loop follow-up first, then the task with its result', async () => {
    const queue = start();
    const task = queue.enqueue({ skill: 'gate', payload: { target: 'prod' } });
    await waitForStatus(queue, task.id, 'WAITING_HUMAN');
    const [request] = queue.listHitl();
    const { followUp } = queue.answerHitl(request?.id as number, {
      status: 'more_info',
      response: 'compare regions',
      responder: 'cli:test',
    });
    const done = await waitForStatus(queue, task.id, 'DONE');
    expect(queue.getOrThrow(followUp?.id as number).status).toBe('DONE');
    expect(done.result).toMatchObject({
      status: 'more_info',
      response: 'compare regions',
      research: { finding: 'compare regions (for "Deploy to prod?"): eu is faster' },
    });
  });

  it('rejected: the task ends FAILED without running again', async () => {
    gateRuns = 0;
    const queue = start();
    const task = queue.enqueue({ skill: 'gate', payload: { target: 'prod' } });
    await waitForStatus(queue, task.id, 'WAITING_HUMAN');
    const [request] = queue.listHitl();
    const { task: failed } = queue.answerHitl(request?.id as number, {
      status: 'rejected',
      response: 'freeze week',
      responder: 'cli:test',
    });
    expect(failed).toMatchObject({ status: 'FAILED', error: 'rejected by cli:test: freeze week' });
    // Another task runs meanwhile, so the worker is alive; the rejected one never runs again.
    const other = queue.enqueue({ skill: 'gate', payload: { target: 'qa' } });
    await waitForStatus(queue, other.id, 'WAITING_HUMAN');
    expect(gateRuns).toBe(2);
  });

  it('a question the queue refuses fails the task without retry', async () => {
    const queue = start();
    const task = queue.enqueue({ skill: 'gate', payload: { target: 'x', question: 'q'.repeat(5000) } });
    const failed = await waitForStatus(queue, task.id, 'FAILED');
    expect(failed.error).toMatch(
      /^could not ask a human: QUEUE_INVALID_ARGUMENT: question is 5000 characters/,
    );
    expect(failed.attempts).toBe(1);
    await waitFor(() => queue.listHitl({ status: 'all' }).length === 0, 1000, 'no request');
  });
});
