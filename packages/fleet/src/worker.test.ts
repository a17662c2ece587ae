import { setTimeout as sleep } from 'node:timers/promises';
import {
  createRouter,
  createSilentLogger,
  type FleetConfig,
  type FleetPaths,
  fleetPaths,
  parseFleetConfig,
  type Task,
} from '@biged/core';
import { createTempHome, MockModelProvider, type TempHome } from '@biged/core/test';
import { writeHwState } from '@biged/hw-monitor';
import { createFleetRouter } from '@biged/model-providers';
import {
  createLedgerUsageSink,
  createQueue,
  createSqliteStore,
  createUsageLedger,
  type TaskQueue,
} from '@biged/queue';
import { createSkillRegistry, defineSkill, type SkillModelRouter, z } from '@biged/skill-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { createEnergyUsageSink } from './energy-usage-sink';
import { createHwStateReader } from './hw-state-reader';
import {
  closedPort,
  hwStateFixture,
  startTestHttpServer,
  type TestHttpServer,
  waitFor,
  waitForStatus,
} from './test-helpers';
import { INBOX_POLL_MS, runWorker, type WorkerHandle, withTierModel } from './worker';

let home: TempHome | undefined;
let queue: TaskQueue | undefined;
let worker: WorkerHandle | undefined;
let server: TestHttpServer | undefined;
afterEach(async () => {
  await worker?.stop(100);
  await server?.close();
  queue?.close();
  home?.cleanup();
  worker = undefined;
  server = undefined;
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

// A GitHub token shape (ghp_ + 36 characters) the DLP scanner must catch; not a real token.
const FAKE_TOKEN = `ghp_${'a1B2c3D4e5'.repeat(3)}F6g7H8`;
const leaky = defineSkill({
  name: 'leaky',
  description: 'Returns (or fails with) a secret.',
  payload: z.object({ fail: z.boolean() }),
  run: ({ fail }) => {
    if (fail) throw new Error(`push refused for ${FAKE_TOKEN}`);
    return { note: `use ${FAKE_TOKEN} to push`, count: 1 };
  },
});

/** Asks the fleet's default model and returns the answer. */
const ask = defineSkill({
  name: 'ask',
  description: 'Calls ctx.models with payload.prompt.',
  payload: z.object({ prompt: z.string() }),
  run: async ({ prompt }, ctx) => {
    const result = await ctx.models.call({ prompt });
    return { text: result.text, provider: result.provider };
  },
});

const testConfig = (models: Record<string, unknown> = {}, router: Record<string, unknown> = {}) =>
  parseFleetConfig({
    fleet: { heartbeat_interval_secs: 0.05, hw_monitor: false },
    models,
    router: { min_gap_ms: 0, ...router },
  }).config;

const start = (
  onTaskFinished?: (task: Task) => void,
  extra: {
    config?: FleetConfig;
    models?: (queue: TaskQueue) => SkillModelRouter;
    localModelsHint?: string;
  } = {},
) => {
  home = createTempHome();
  queue = createQueue({ file: home.db });
  queue.registerAgent({ name: 'w', role: 'coder', pid: process.pid, status: 'IDLE' });
  const config = extra.config ?? testConfig();
  worker = runWorker({
    agent: { name: 'w', role: 'coder' },
    config,
    paths: fleetPaths(home.home),
    queue,
    skills: createSkillRegistry([pause, ask, leaky]),
    log: createSilentLogger(),
    idlePollMs: { min: 1, max: 10 },
    ...(onTaskFinished ? { onTaskFinished } : {}),
    ...(extra.models ? { models: extra.models(queue) } : {}),
    ...(extra.localModelsHint ? { localModelsHint: extra.localModelsHint } : {}),
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

  it('a hand-back that fails leaves nothing stuck: the next claim returns what the queue says it holds', async () => {
    home = createTempHome();
    queue = createQueue({ file: home.db });
    const store = createSqliteStore(queue);
    // The store refuses every settle that hands tasks back (as a dropped connection would), once.
    let refused = 0;
    const flaky = {
      ...store,
      settle: async (request: Parameters<typeof store.settle>[0]) => {
        if ((request.released?.length ?? 0) > 0 && refused === 0) {
          refused += 1;
          throw new Error('connection lost');
        }
        return store.settle(request);
      },
    };
    worker = runWorker({
      agent: { name: 'w', role: 'coder' },
      config: testConfig(),
      paths: fleetPaths(home.home),
      store: flaky,
      skills: createSkillRegistry([pause]),
      log: createSilentLogger(),
      idlePollMs: { min: 1, max: 10 },
    });
    const q = queue;
    const fast = Array.from({ length: 40 }, () => q.enqueue({ skill: 'pause', payload: { ms: 0 } }).id);
    await waitFor(() => fast.every((id) => q.get(id)?.status === 'DONE'), 10_000, 'fast tasks DONE');
    // The slow task is claimed in a full batch; the rest are handed back after it, and that settle fails.
    const slow = q.enqueue({ skill: 'pause', payload: { ms: 200 } }).id;
    const after = Array.from({ length: 5 }, () => q.enqueue({ skill: 'pause', payload: { ms: 0 } }).id);
    // No stale recovery runs here (no supervisor): only the worker's own hand-back can free them.
    await waitFor(() => after.every((id) => q.get(id)?.status === 'DONE'), 15_000, 'later tasks DONE');
    expect(refused).toBe(1);
    expect(q.get(slow)?.status).toBe('DONE');
    expect(q.counts()).toMatchObject({ RUNNING: 0, PENDING: 0 });
    // The tasks it handed back never started: their claim did not use an attempt.
    for (const id of after) expect(q.get(id)?.attempts).toBe(1);
  });

  it('a settle that fails records what finished first: no task runs twice or loses an attempt', async () => {
    home = createTempHome();
    queue = createQueue({ file: home.db });
    const store = createSqliteStore(queue);
    // Once, a settle that stores finished tasks and claims the next batch fails before it commits (as a
    // dropped connection would): the worker cannot tell whether it claimed anything.
    let refused = 0;
    const flaky = {
      ...store,
      settle: async (request: Parameters<typeof store.settle>[0]) => {
        if (request.claim && (request.completed?.length ?? 0) > 0 && refused === 0) {
          refused += 1;
          throw new Error('connection lost');
        }
        return store.settle(request);
      },
    };
    const runs = new Map<number, number>();
    worker = runWorker({
      agent: { name: 'w', role: 'coder' },
      config: testConfig(),
      paths: fleetPaths(home.home),
      store: flaky,
      skills: createSkillRegistry([pause]),
      log: createSilentLogger(),
      idlePollMs: { min: 1, max: 10 },
      onTaskFinished: (task) => runs.set(task.id, (runs.get(task.id) ?? 0) + 1),
    });
    const q = queue;
    const ids = Array.from({ length: 60 }, () => q.enqueue({ skill: 'pause', payload: { ms: 0 } }).id);
    await waitFor(() => ids.every((id) => q.get(id)?.status === 'DONE'), 15_000, 'every task DONE');
    expect(refused).toBe(1);
    for (const id of ids) {
      expect(runs.get(id), `task ${id} runs`).toBe(1);
      expect(q.get(id)?.attempts, `task ${id} attempts`).toBe(1);
    }
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

describe('runWorker DLP', () => {
  it('redacts secrets from results and errors before storing them, and raises a dlp_alert', async () => {
    const queue = start();
    const ok = queue.enqueue({ skill: 'leaky', payload: { fail: false } });
    const bad = queue.enqueue({ skill: 'leaky', payload: { fail: true }, maxAttempts: 1 });
    const done = await waitForStatus(queue, ok.id, 'DONE', 10_000);
    expect(done.result).toEqual({ note: 'use [REDACTED:github_token] to push', count: 1 });
    const failed = await waitForStatus(queue, bad.id, 'FAILED', 10_000);
    expect(failed.error).toContain('push refused for [REDACTED:github_token]');
    expect(JSON.stringify(queue.list())).not.toContain(FAKE_TOKEN);
    const alerts = queue.listAlerts({ activeOnly: true });
    expect(alerts.map((alert) => [alert.type, alert.severity, alert.source])).toEqual([
      ['dlp_alert', 'warning', 'w'],
      ['dlp_alert', 'warning', 'w'],
    ]);
    expect(alerts.map((alert) => alert.message).sort()).toEqual(
      [
        `task ${bad.id} (leaky): 1 secret(s) redacted from its error: github_token`,
        `task ${ok.id} (leaky): 1 secret(s) redacted from its result: github_token`,
      ].sort(),
    );
    expect(JSON.stringify(alerts)).not.toContain(FAKE_TOKEN);
  });
});

describe('runWorker messages', () => {
  it('stops claiming on a pause broadcast, keeps reading its inbox, and resumes on resume', async () => {
    const queue = start();
    const first = queue.enqueue({ skill: 'pause', payload: { ms: 1 } });
    await waitForStatus(queue, first.id, 'DONE', 10_000);
    queue.broadcast({ from: 'operator', body: { type: 'pause' } });
    // Within one inbox interval the worker has read it; a task queued after that must wait.
    await sleep(INBOX_POLL_MS * 2);
    const held = queue.enqueue({ skill: 'pause', payload: { ms: 1 } });
    await sleep(INBOX_POLL_MS * 2);
    expect(queue.get(held.id)).toMatchObject({ status: 'PENDING', attempts: 0 });
    // A direct message is read (and marked) even while paused; resume comes the same way.
    queue.sendMessage({ to: 'w', from: 'operator', body: { text: 'hello' } });
    queue.sendMessage({ to: 'w', from: 'operator', body: { type: 'resume' } });
    await waitForStatus(queue, held.id, 'DONE', 10_000);
    expect(queue.inbox('w')).toEqual([]);
    expect(queue.inbox('w', { all: true }).map((message) => message.body)).toEqual([
      { type: 'pause' },
      { text: 'hello' },
      { type: 'resume' },
    ]);
  });
});

describe('runWorker gc messages (memory_optimizer)', () => {
  it('runs global.gc on a { type: "gc" } message when Node exposes it, and keeps working', async () => {
    const saved = globalThis.gc;
    let collections = 0;
    globalThis.gc = (() => {
      collections += 1;
    }) as typeof globalThis.gc;
    try {
      const queue = start();
      queue.sendMessage({ to: 'w', from: 'memory_optimizer', body: { type: 'gc' } });
      await waitFor(() => queue.inbox('w').length === 0 || undefined, 10_000, 'the gc message read');
      expect(collections).toBe(1);
      const after = queue.enqueue({ skill: 'pause', payload: { ms: 1 } });
      await waitForStatus(queue, after.id, 'DONE', 10_000);
    } finally {
      globalThis.gc = saved;
    }
  });
});

describe('runWorker model router', () => {
  it('gives every task the router, with usage booked to the task skill and agent in the ledger', async () => {
    const provider = new MockModelProvider({ providerId: 'local' });
    const queue = start(undefined, {
      models: (queue) => {
        const config = testConfig({ local: 'tiny' });
        return createRouter({
          providers: [provider],
          config,
          usage: createLedgerUsageSink({ ledger: createUsageLedger({ queue }), config }),
        });
      },
    });
    const ids = ['one', 'two', 'three'].map(
      (prompt) => queue.enqueue({ skill: 'ask', payload: { prompt } }).id,
    );
    for (const id of ids) {
      expect((await waitForStatus(queue, id, 'DONE', 10_000)).result).toEqual({
        text: 'mock answer',
        provider: 'local',
      });
    }
    expect(provider.calls).toHaveLength(3);
    const rows = createUsageLedger({ queue }).listUsage({ skill: 'ask' });
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => row.agent === 'w' && row.provider === 'local' && row.model === 'tiny')).toBe(
      true,
    );
  });

  it('without a router, a model-calling task fails with SKILL_NO_MODEL_ROUTER and other tasks still run', async () => {
    const queue = start();
    const model = queue.enqueue({ skill: 'ask', payload: { prompt: 'hi' }, maxAttempts: 1 });
    const plain = queue.enqueue({ skill: 'pause', payload: { ms: 0 } });
    expect((await waitForStatus(queue, model.id, 'FAILED', 10_000)).error).toContain('SKILL_NO_MODEL_ROUTER');
    await waitForStatus(queue, plain.id, 'DONE', 10_000);
  });

  it("appends the supervisor's advice when the local model backend cannot be reached, and only then", async () => {
    const hint = 'no local model backend: start Ollama at http://127.0.0.1:1';
    server = await startTestHttpServer((_request, _body, response) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: 'model exploded' }));
    });
    const answering = server.url;
    const closed = `http://127.0.0.1:${await closedPort()}`;
    const config = testConfig({ local: 'tiny', ollama_host: closed }, { max_retries: 0 });
    const queue = start(undefined, {
      config,
      localModelsHint: hint,
      models: () => createFleetRouter({ config, paths: fleetPaths(home!.home), env: {} }),
    });
    const refused = queue.enqueue({ skill: 'ask', payload: { prompt: 'hi' }, maxAttempts: 1 });
    const failed = await waitForStatus(queue, refused.id, 'FAILED', 10_000);
    expect(failed.error).toContain('ECONNREFUSED');
    expect(failed.error).toContain(`(${hint})`);
    await worker!.stop(100);

    // A backend that answers with an error is not "unreachable": no advice.
    const answeringConfig = testConfig({ local: 'tiny', ollama_host: answering }, { max_retries: 0 });
    worker = runWorker({
      agent: { name: 'w', role: 'coder' },
      config: answeringConfig,
      paths: fleetPaths(home!.home),
      queue,
      skills: createSkillRegistry([ask]),
      log: createSilentLogger(),
      idlePollMs: { min: 1, max: 10 },
      models: createFleetRouter({ config: answeringConfig, paths: fleetPaths(home!.home), env: {} }),
      localModelsHint: hint,
    });
    const erroring = queue.enqueue({ skill: 'ask', payload: { prompt: 'hi' }, maxAttempts: 1 });
    const answered = await waitForStatus(queue, erroring.id, 'FAILED', 10_000);
    expect(answered.error).toContain('HTTP 500');
    expect(answered.error).not.toContain(hint);
  });
});

/** A skill the tests declare GPU-heavy (`[thermal] gpu_heavy_skills`). */
const heavy = defineSkill({
  name: 'heavy',
  description: 'Stands for a GPU-heavy skill.',
  payload: z.object({}),
  run: () => ({ heavy: true }),
});

/** A worker on a fresh home that follows hw_state.json (`[fleet] hw_monitor` on unless said). */
const startFollowing = async (
  thermal: Record<string, unknown>,
  extra: {
    /** Runs before the worker starts (e.g. writes hw_state.json, so the first claim sees it). */
    before?: (paths: FleetPaths) => Promise<void>;
    models?: (queue: TaskQueue) => SkillModelRouter;
    useTierModel?: boolean;
    hwMonitor?: boolean;
  } = {},
) => {
  home = createTempHome();
  const paths = fleetPaths(home.home);
  await extra.before?.(paths);
  queue = createQueue({ file: home.db });
  queue.registerAgent({ name: 'w', role: 'coder', pid: process.pid, status: 'IDLE' });
  const config = parseFleetConfig({
    fleet: { heartbeat_interval_secs: 0.05, hw_monitor: extra.hwMonitor ?? true },
    models: { local: 'tiny' },
    thermal,
    router: { min_gap_ms: 0 },
  }).config;
  worker = runWorker({
    agent: { name: 'w', role: 'coder' },
    config,
    paths,
    queue,
    skills: createSkillRegistry([pause, ask, heavy]),
    log: createSilentLogger(),
    idlePollMs: { min: 1, max: 10 },
    ...(extra.models ? { models: extra.models(queue) } : {}),
    ...(extra.useTierModel === undefined ? {} : { useTierModel: extra.useTierModel }),
  });
  return { queue, paths, config };
};

describe('runWorker and the hardware monitor (hw_state.json)', () => {
  it('does not claim a GPU-heavy skill while gpu_heavy_allowed is false, and claims it once it is true', async () => {
    // Plays the monitor: rewrites hw_state.json every 100 ms, as the real one does every poll.
    let allowed = false;
    let file: string | undefined;
    const write = () =>
      writeHwState(file!, hwStateFixture({ gpu_heavy_allowed: allowed, poll_interval_secs: 0.5 }));
    let monitor: NodeJS.Timeout | undefined;
    try {
      const { queue } = await startFollowing(
        { poll_interval_secs: 0.5, gpu_heavy_skills: ['heavy', 'summarize'] },
        {
          before: async (paths) => {
            file = paths.hwState;
            await write();
            monitor = setInterval(() => void write().catch(() => {}), 100);
          },
        },
      );
      const urgent = queue.enqueue({ skill: 'heavy', payload: {}, priority: 10 });
      const light = queue.enqueue({ skill: 'pause', payload: { ms: 0 }, priority: 1 });
      await waitForStatus(queue, light.id, 'DONE', 10_000);
      // The light task went first although the heavy one is more urgent; the heavy one never started.
      const later = queue.enqueue({ skill: 'pause', payload: { ms: 0 }, priority: 1 });
      await waitForStatus(queue, later.id, 'DONE', 10_000);
      expect(queue.get(urgent.id)).toMatchObject({ status: 'PENDING', attempts: 0, claimedBy: null });
      allowed = true;
      await write();
      expect((await waitForStatus(queue, urgent.id, 'DONE', 10_000)).attempts).toBe(1);
    } finally {
      clearInterval(monitor);
    }
  });

  it('VRAM admission: a GPU-heavy task waits while its model would not fit, then runs once it is loaded or VRAM is free', async () => {
    // Plays the monitor: hw_state.json rewritten every 100 ms from `state`.
    const model = (name: string) => ({ name, size_mb: 8000, vram_mb: 8000, expires_at: null });
    const vram = (usedMb: number) => ({ ...hwStateFixture().thermal, vram_used_mb: usedMb });
    // 9000 of 10240 MiB is 88 %: over `high` (0.85), under `emergency` (0.92); another model is loaded.
    // At the default tier the monitor names [models] local ("tiny") as the tier model.
    let state = hwStateFixture({
      model: 'tiny',
      thermal: vram(9000),
      models_loaded: [model('qwen3:8b')],
      poll_interval_secs: 0.5,
    });
    let file: string | undefined;
    const write = () => writeHwState(file!, { ...state, updated_at: new Date().toISOString() });
    let monitor: NodeJS.Timeout | undefined;
    try {
      const { queue } = await startFollowing(
        { poll_interval_secs: 0.5, gpu_heavy_skills: ['heavy'] },
        {
          before: async (paths) => {
            file = paths.hwState;
            await write();
            monitor = setInterval(() => void write().catch(() => {}), 100);
          },
        },
      );
      /** Enqueues an urgent heavy task and a light one; the light one runs, the heavy one stays PENDING. */
      const heavyWaits = async () => {
        const urgent = queue.enqueue({ skill: 'heavy', payload: {}, priority: 10 });
        const light = queue.enqueue({ skill: 'pause', payload: { ms: 0 }, priority: 1 });
        await waitForStatus(queue, light.id, 'DONE', 10_000);
        const later = queue.enqueue({ skill: 'pause', payload: { ms: 0 }, priority: 1 });
        await waitForStatus(queue, later.id, 'DONE', 10_000);
        expect(queue.get(urgent.id)).toMatchObject({ status: 'PENDING', attempts: 0, claimedBy: null });
        return urgent;
      };

      // Default tier: the model wanted is the state's model ("tiny", [models] local), and it is not loaded.
      const first = await heavyWaits();
      // The monitor sees "tiny" loaded (VRAM still high): the task needs no new VRAM, so it runs.
      state = { ...state, models_loaded: [model('qwen3:8b'), model('tiny')] };
      await write();
      expect((await waitForStatus(queue, first.id, 'DONE', 10_000)).attempts).toBe(1);

      // Below the default tier the wanted model is the tier model: "tiny" loaded does not help qwen3:4b.
      state = { ...state, tier: 'mid', model: 'qwen3:4b' };
      await write();
      await sleep(600); // the worker re-reads hw_state.json at most once per poll interval (0.5 s)
      const second = await heavyWaits();
      // VRAM freed (30 %): qwen3:4b fits beside what is loaded, so the task runs.
      state = { ...state, thermal: vram(3000) };
      await write();
      expect((await waitForStatus(queue, second.id, 'DONE', 10_000)).attempts).toBe(1);

      // At `emergency` (95 %) nothing GPU-heavy is admitted, even for a loaded model.
      state = {
        ...state,
        thermal: vram(9728),
        models_loaded: [model('qwen3:4b')],
      };
      await write();
      await sleep(600);
      await heavyWaits();
    } finally {
      clearInterval(monitor);
    }
  });

  it('asks the local provider for the tier model when the skill names none; records the call energy', async () => {
    const provider = new MockModelProvider({ providerId: 'local' });
    const { queue } = await startFollowing(
      {},
      {
        before: (paths) =>
          writeHwState(
            paths.hwState,
            hwStateFixture({
              model: 'qwen3:4b',
              tier: 'mid',
              thermal: { ...hwStateFixture().thermal, power_w: 150 },
            }),
          ),
        models: (queue) => {
          const config = testConfig({ local: 'tiny' });
          // As worker-main composes it: the ledger sink wrapped by the energy meter, one reader for both.
          const reader = createHwStateReader({ file: fleetPaths(home!.home).hwState, pollIntervalMs: 5000 });
          return createRouter({
            providers: [provider],
            config,
            models: { local: 'tiny' },
            usage: createEnergyUsageSink({
              sink: createLedgerUsageSink({ ledger: createUsageLedger({ queue }), config }),
              powerW: () => reader.current()?.thermal.power_w,
            }),
          });
        },
      },
    );
    const task = queue.enqueue({ skill: 'ask', payload: { prompt: 'hi' } });
    await waitForStatus(queue, task.id, 'DONE', 10_000);
    expect(provider.calls.map((call) => call.request.model)).toEqual(['qwen3:4b']);
    const [row] = createUsageLedger({ queue }).listUsage({ skill: 'ask' });
    expect(row).toMatchObject({ provider: 'local', model: 'qwen3:4b' });
    expect(Math.abs(row!.energyWh! - (150 * row!.latencyMs!) / 3_600_000)).toBeLessThanOrEqual(
      (150 * 0.5) / 3_600_000 + 1e-12,
    );
  });

  it("asks for the state's model at the default tier too ([models.tiers] default set over [models] local)", async () => {
    const provider = new MockModelProvider({ providerId: 'local' });
    const { queue } = await startFollowing(
      {},
      {
        // The monitor names tiers.default when fleet.toml sets it, else [models] local: the worker no
        // longer second-guesses the state at the default tier.
        before: (paths) =>
          writeHwState(paths.hwState, hwStateFixture({ model: 'llama3:8b', tier: 'default' })),
        models: () =>
          createRouter({
            providers: [provider],
            config: testConfig({ local: 'tiny' }),
            models: { local: 'tiny' },
          }),
      },
    );
    const task = queue.enqueue({ skill: 'ask', payload: { prompt: 'hi' } });
    await waitForStatus(queue, task.id, 'DONE', 10_000);
    expect(provider.calls.map((call) => call.request.model)).toEqual(['llama3:8b']);
  });

  it('keeps the configured model when told not to follow the tier (the embedded backend)', async () => {
    const provider = new MockModelProvider({ providerId: 'local' });
    const { queue } = await startFollowing(
      {},
      {
        before: (paths) => writeHwState(paths.hwState, hwStateFixture({ model: 'qwen3:4b' })),
        useTierModel: false,
        models: () =>
          createRouter({ providers: [provider], config: testConfig(), models: { local: 'tiny' } }),
      },
    );
    const task = queue.enqueue({ skill: 'ask', payload: { prompt: 'hi' } });
    await waitForStatus(queue, task.id, 'DONE', 10_000);
    expect(provider.calls.map((call) => call.request.model)).toEqual(['tiny']);
  });

  it('with [fleet] hw_monitor = false ignores hw_state.json: configured model, GPU-heavy skills claimed', async () => {
    const provider = new MockModelProvider({ providerId: 'local' });
    const { queue } = await startFollowing(
      { gpu_heavy_skills: ['heavy'] },
      {
        hwMonitor: false,
        before: (paths) =>
          writeHwState(paths.hwState, hwStateFixture({ model: 'qwen3:4b', gpu_heavy_allowed: false })),
        models: () =>
          createRouter({ providers: [provider], config: testConfig(), models: { local: 'tiny' } }),
      },
    );
    const heavyTask = queue.enqueue({ skill: 'heavy', payload: {} });
    const asked = queue.enqueue({ skill: 'ask', payload: { prompt: 'hi' } });
    await waitForStatus(queue, heavyTask.id, 'DONE', 10_000);
    await waitForStatus(queue, asked.id, 'DONE', 10_000);
    expect(provider.calls.map((call) => call.request.model)).toEqual(['tiny']);
  });

  it('a stale hw_state.json (monitor not running) changes nothing', async () => {
    const provider = new MockModelProvider({ providerId: 'local' });
    const { queue } = await startFollowing(
      { gpu_heavy_skills: ['heavy'], poll_interval_secs: 1 },
      {
        before: (paths) =>
          writeHwState(
            paths.hwState,
            hwStateFixture({
              model: 'qwen3:4b',
              gpu_heavy_allowed: false,
              updated_at: new Date(Date.now() - 60_000).toISOString(),
            }),
          ),
        models: () =>
          createRouter({ providers: [provider], config: testConfig(), models: { local: 'tiny' } }),
      },
    );
    const heavyTask = queue.enqueue({ skill: 'heavy', payload: {} });
    const asked = queue.enqueue({ skill: 'ask', payload: { prompt: 'hi' } });
    await waitForStatus(queue, heavyTask.id, 'DONE', 10_000);
    await waitForStatus(queue, asked.id, 'DONE', 10_000);
    expect(provider.calls.map((call) => call.request.model)).toEqual(['tiny']);
  });
});

describe('withTierModel', () => {
  it('fills the model of local calls and streams that name none, and nothing else', async () => {
    const seen: Array<{ kind: string; provider?: string; model?: string }> = [];
    const router = {
      call: async (request: { provider?: string; model?: string }) => {
        seen.push({ kind: 'call', ...pick(request) });
        return {} as never;
      },
      stream: (request: { provider?: string; model?: string }) => {
        seen.push({ kind: 'stream', ...pick(request) });
        return (async function* () {})();
      },
      embed: async (request: { provider?: string; model?: string }) => {
        seen.push({ kind: 'embed', ...pick(request) });
        return {} as never;
      },
    } as unknown as SkillModelRouter;
    let tier: string | undefined = 'qwen3:4b';
    const wrapped = withTierModel(router, () => tier);
    await wrapped.call({ prompt: 'a' });
    await wrapped.call({ prompt: 'a', provider: 'local' });
    await wrapped.call({ prompt: 'a', model: 'llama3:8b' });
    await wrapped.call({ prompt: 'a', provider: 'claude' });
    for await (const _part of wrapped.stream({ prompt: 'a' })) {
      // drains the empty stream
    }
    await wrapped.embed({ texts: ['a'] });
    tier = undefined;
    await wrapped.call({ prompt: 'a' });
    expect(seen).toEqual([
      { kind: 'call', model: 'qwen3:4b' },
      { kind: 'call', provider: 'local', model: 'qwen3:4b' },
      { kind: 'call', model: 'llama3:8b' },
      { kind: 'call', provider: 'claude' },
      { kind: 'stream', model: 'qwen3:4b' },
      { kind: 'embed' },
      { kind: 'call' },
    ]);
  });
});

function pick(request: { provider?: string; model?: string }) {
  return {
    ...(request.provider === undefined ? {} : { provider: request.provider }),
    ...(request.model === undefined ? {} : { model: request.model }),
  };
}
