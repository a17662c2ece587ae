#!/usr/bin/env node
// One BigEd worker process for the benchmark: the fleet worker's claim loop (packages/fleet/src/worker.ts)
// with a no-op handler. Forked by biged.mjs; talks over IPC:
//   -> { type: 'ready' }            store open
//   <- { type: 'go' }               start the loop
//   <- { type: 'stop' }             (latency mode) finish and report
//   -> { type: 'done', ... }        its figures; then it exits
//
// Modes: `throughput` runs until a claim finds the queue empty (it was pre-filled before the start);
// `latency` waits for work between empty claims exactly as the fleet does (store.waitForWork with the idle
// poll doubling 5 -> 250 ms) and records, per task, handler start minus the enqueue time in its payload.
import { parseArgs } from 'node:util';
import { now } from '../lib/stats.mjs';
import { NOOP_SKILL, openBigedStore } from './biged-store.mjs';

/** As in the fleet worker: a task faster than this lets the batch grow. */
const FAST_TASK_MS = 5;
/** As in the fleet worker: largest claim batch, by dialect (MAX_BATCH and MAX_BATCH_POSTGRES there). */
const MAX_BATCH = { sqlite: 32, postgres: 256 };
/** As in the fleet worker: finished results are stored at least this often while a batch runs. */
const SETTLE_AFTER_MS = 100;
/** The fleet worker's default idle poll (`idlePollMs`). */
const IDLE_POLL = { min: 5, max: 250 };

const { values } = parseArgs({
  options: {
    dialect: { type: 'string' },
    file: { type: 'string' },
    url: { type: 'string' },
    agent: { type: 'string' },
    mode: { type: 'string', default: 'throughput' },
  },
});

const store = await openBigedStore(values);
const agent = values.agent;
await store.registerAgent({ name: agent, role: 'bench', pid: process.pid });
const claimOptions = { skills: [NOOP_SKILL] };
const claimRequest = { agent, ...claimOptions };
const maxBatch = MAX_BATCH[store.dialect] ?? 32;

let stopping = false;
let wakeIdle = null;
const controller = new AbortController();
process.on('message', (message) => {
  if (message?.type === 'go') void run();
  if (message?.type === 'stop') {
    stopping = true;
    controller.abort();
    wakeIdle?.();
  }
});
process.send({ type: 'ready' });

/** The no-op skill: async like every skill run (the fleet awaits runSkill). */
async function handler(_task) {
  return null;
}

async function run() {
  const claimMs = [];
  const latencyMs = [];
  let done = 0;
  let firstClaimAt = null;
  let lastSettleAt = null;
  let pollMs = IDLE_POLL.min;
  let batch = 1;
  let held = [];
  let completed = [];
  let unsettledSince = 0;

  const claimCall = async (call) => {
    const started = now();
    firstClaimAt ??= started;
    const tasks = await call();
    const ended = now();
    claimMs.push(ended - started);
    lastSettleAt = ended;
    return tasks;
  };
  const settle = async (claim) => {
    const request = { agent, completed, ...(claim ? { claim: claimOptions, limit: batch } : {}) };
    completed = [];
    const result = await store.settle(request);
    return result.next;
  };

  while (!stopping) {
    if (held.length === 0) {
      held = await claimCall(() =>
        completed.length > 0 ? settle(true) : store.claimMany(claimRequest, batch),
      );
      if (held.length === 0) {
        if (values.mode === 'throughput') break;
        await waitIdle(pollMs);
        pollMs = Math.min(IDLE_POLL.max, pollMs * 2);
        continue;
      }
      pollMs = IDLE_POLL.min;
    }
    const task = held.shift();
    const started = performance.now();
    if (task.payload.t !== undefined) latencyMs.push(now() - task.payload.t);
    const result = await handler(task);
    const fast = performance.now() - started < FAST_TASK_MS;
    batch = fast ? Math.min(maxBatch, batch * 2) : 1;
    if (completed.length === 0) unsettledSince = Date.now();
    completed.push({ taskId: task.id, result });
    done++;
    if (held.length > 0 && Date.now() - unsettledSince > SETTLE_AFTER_MS) {
      await settle(false);
      lastSettleAt = now();
    }
  }
  if (completed.length > 0 || held.length > 0) {
    await store.settle({ agent, completed, released: held.map((task) => task.id) });
    lastSettleAt = now();
  }
  await store.close();
  process.send({ type: 'done', agent, done, firstClaimAt, lastSettleAt, claimMs, latencyMs }, () =>
    process.exit(0),
  );
}

function waitIdle(ms) {
  return new Promise((resolve) => {
    wakeIdle = resolve;
    store.waitForWork({ timeoutMs: ms, signal: controller.signal }).then(resolve, resolve);
  }).finally(() => {
    wakeIdle = null;
  });
}
