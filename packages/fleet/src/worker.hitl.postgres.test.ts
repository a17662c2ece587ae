import { createSilentLogger, fleetPaths, parseFleetConfig, type Task } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import type { TaskStore } from '@biged/queue';
import { createPostgresStore } from '@biged/queue/postgres';
import { startTestPostgres, type TestPostgres } from '@biged/queue/postgres-testing';
import { createSkillRegistry, defineSkill, z } from '@biged/skill-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runWorker, type WorkerHandle } from './worker';

// Human in the loop on a PostgreSQL fleet: the worker has no SQLite queue, only the store. A skill's
// question parks its task in PostgreSQL; an answer given through another connection (another host's
// `biged hitl`) sends it back, and the re-run gets the answer.

let server: TestPostgres;
let home: TempHome | undefined;
let worker: WorkerHandle | undefined;
const stores: TaskStore[] = [];

beforeAll(async () => {
  server = await startTestPostgres();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});
afterEach(async () => {
  await worker?.stop(100);
  worker = undefined;
  for (const store of stores.splice(0)) await store.close();
  home?.cleanup();
  home = undefined;
});

const gate = defineSkill({
  name: 'gate',
  description: 'Asks a human before deploying.',
  payload: z.object({ target: z.string() }),
  run: async ({ target }, ctx) => {
    const answer = await ctx.queue.askHuman({ question: `Deploy to ${target}?`, context: { target } });
    return { deployed: target, status: answer.status, response: answer.response, attempt: ctx.task.attempt };
  },
});

async function until<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('runWorker human in the loop on PostgreSQL', () => {
  it('parks the task in PostgreSQL and re-runs it with the answer another connection gave', async () => {
    const url = await server.createDatabase('hitl_worker');
    const store = await createPostgresStore({ url });
    const answering = await createPostgresStore({ url });
    stores.push(store, answering);
    home = createTempHome();
    await store.registerAgent({ name: 'w@alpha', role: 'coder', pid: process.pid, status: 'IDLE' });
    worker = runWorker({
      agent: { name: 'w@alpha', role: 'coder' },
      config: parseFleetConfig({ fleet: { heartbeat_interval_secs: 0.05, hw_monitor: false } }).config,
      paths: fleetPaths(home.home),
      store,
      skills: createSkillRegistry([gate]),
      log: createSilentLogger(),
      idlePollMs: { min: 1, max: 10 },
    });
    const task = await answering.enqueue({ skill: 'gate', payload: { target: 'staging' } });
    const parked = await until(async () => {
      const now = await answering.getOrThrow(task.id);
      return now.status === 'WAITING_HUMAN' && now;
    }, 'the task to wait for a human');
    expect(parked).toMatchObject({ attempts: 0, claimedBy: null });
    const [request] = await answering.listHitl();
    expect(request).toMatchObject({ taskId: task.id, agent: 'w@alpha', question: 'Deploy to staging?' });

    await answering.answerHitl(request!.id, { status: 'approved', response: 'ship it', responder: 'cli:bo' });
    const done = await until(async () => {
      const now: Task = await answering.getOrThrow(task.id);
      return now.status === 'DONE' && now;
    }, 'the re-run');
    expect(done.result).toEqual({ deployed: 'staging', status: 'approved', response: 'ship it', attempt: 1 });
    expect(await answering.listHitl()).toEqual([]);
  }, 60_000);
});
