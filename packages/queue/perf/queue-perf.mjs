#!/usr/bin/env node
// Throughput and latency of @biged/queue on one SQLite file (WAL, synchronous=NORMAL), for 1 and 4
// processes. Not run by CI. Build first (`npx tsup`), then:
//
//   node perf/queue-perf.mjs [--tasks 10000] [--processes 4] [--mode combined|split]
//
// "combined" is the fleet worker loop (completeAndClaim: one write transaction per task); "split" calls
// claim() and complete() separately (two per task). Latency is the wall time of each call, lock wait
// included. The fleet-level benchmark (skills, heartbeats, supervisor) lives elsewhere.
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createQueue } from '../dist/index.js';

const self = fileURLToPath(import.meta.url);
const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '10000' },
    processes: { type: 'string', default: '4' },
    mode: { type: 'string', default: 'combined' },
    worker: { type: 'string' },
    file: { type: 'string' },
  },
});

if (values.worker) {
  runWorker(values.file, values.worker, values.mode);
} else {
  await main();
}

function runWorker(file, agent, mode) {
  const queue = createQueue({ file });
  process.send({ type: 'ready' });
  process.once('message', () => {
    const waits = [];
    const timed = (call) => {
      const started = performance.now();
      const value = call();
      waits.push(performance.now() - started);
      return value;
    };
    let done = 0;
    let task = timed(() => queue.claim({ agent }));
    while (task) {
      done++;
      const current = task;
      if (mode === 'split') {
        timed(() => queue.complete(current.id, agent, { ok: true }));
        task = timed(() => queue.claim({ agent }));
      } else {
        task = timed(() => queue.completeAndClaim(current.id, agent, { ok: true })).next;
      }
    }
    queue.close();
    process.send({ type: 'done', agent, done, waits }, () => process.exit(0));
  });
}

function stats(waits) {
  const sorted = [...waits].sort((left, right) => left - right);
  const at = (fraction) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
  return `p50 ${at(0.5).toFixed(3)} ms  p99 ${at(0.99).toFixed(3)} ms  max ${(sorted.at(-1) ?? 0).toFixed(2)} ms`;
}

function freshFile(directory, name) {
  return path.join(directory, `${name}.db`);
}

function enqueueAll(queue, count) {
  const waits = [];
  const started = performance.now();
  for (let index = 0; index < count; index++) {
    const before = performance.now();
    queue.enqueue({
      skill: 'summarize',
      payload: { index, text: 'x'.repeat(64) },
      priority: 1 + (index % 10),
    });
    waits.push(performance.now() - before);
  }
  return { seconds: (performance.now() - started) / 1000, waits };
}

async function runProcesses(file, processes, mode) {
  const children = [];
  for (let index = 0; index < processes; index++) {
    children.push(
      fork(self, ['--worker', `worker_${index + 1}`, '--file', file, '--mode', mode], { execArgv: [] }),
    );
  }
  const reports = children.map(
    (child) =>
      new Promise((resolve) => child.on('message', (message) => message.type === 'done' && resolve(message))),
  );
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => child.once('message', (message) => message.type === 'ready' && resolve())),
    ),
  );
  const started = performance.now();
  for (const child of children) child.send({ type: 'go' });
  const results = await Promise.all(reports);
  return { seconds: (performance.now() - started) / 1000, results };
}

async function main() {
  const tasks = Number(values.tasks);
  const processes = Number(values.processes);
  const mode = values.mode;
  const directory = mkdtempSync(path.join(tmpdir(), 'biged-queue-perf-'));
  try {
    console.log(
      `@biged/queue perf: ${tasks} tasks, mode ${mode}, node ${process.version}, ${process.platform}`,
    );
    for (const count of [1, processes]) {
      const file = freshFile(directory, `p${count}`);
      const queue = createQueue({ file });
      const enqueued = enqueueAll(queue, tasks);
      console.log(
        `enqueue (1 process):      ${Math.round(tasks / enqueued.seconds)} tasks/s   ${stats(enqueued.waits)}`,
      );
      const { seconds, results } = await runProcesses(file, count, mode);
      const waits = results.flatMap((result) => result.waits);
      const counts = queue.counts();
      queue.close();
      const share = results.map((result) => `${result.agent}=${result.done}`).join(' ');
      console.log(
        `claim+complete (${count} proc): ${Math.round(tasks / seconds)} tasks/s   ${stats(waits)}   [${share}]` +
          (counts.DONE === tasks ? '' : `   MISMATCH: ${JSON.stringify(counts)}`),
      );
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}
