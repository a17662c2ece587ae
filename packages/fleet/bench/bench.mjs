#!/usr/bin/env node
// `pnpm bench`: queue throughput through the real worker loop (1 and 4 worker processes) against a raw
// better-sqlite3 baseline and plainjob, all measured in this one run on this machine. Prints ratios.
// BENCH_TASKS (default 10000) sets the tasks per scenario; BENCH_ONLY=bigedx1,rawx4 runs only those scenarios;
// BENCH_ROUTER=0 runs the biged workers without the model router a fleet worker gets (see bench-worker.mjs).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const TASKS = Number(process.env.BENCH_TASKS ?? 10000);
const workerScript = fileURLToPath(new URL('./bench-worker.mjs', import.meta.url));
const now = () => performance.timeOrigin + performance.now();
const percentile = (values, p) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

async function enqueue(mode, file) {
  const started = now();
  if (mode === 'biged') {
    const { createQueue } = await import('@biged/queue');
    const queue = createQueue({ file });
    for (let index = 0; index < TASKS; index++) queue.enqueue({ skill: 'noop', payload: { n: index } });
    queue.close();
  } else if (mode === 'raw') {
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`CREATE TABLE raw_tasks (id INTEGER PRIMARY KEY, skill TEXT NOT NULL, payload TEXT NOT NULL,
      priority INTEGER NOT NULL DEFAULT 5, status TEXT NOT NULL DEFAULT 'PENDING', claimed_by TEXT, result TEXT);
      CREATE INDEX raw_tasks_claim ON raw_tasks (status, priority DESC, id);`);
    const insert = db.prepare('INSERT INTO raw_tasks (skill, payload) VALUES (?, ?)');
    for (let index = 0; index < TASKS; index++) insert.run('noop', JSON.stringify({ n: index }));
    db.close();
  } else {
    const { better, defineQueue } = await import('plainjob');
    const queue = defineQueue({
      connection: better(new Database(file)),
      logger: { error() {}, warn() {}, info() {}, debug() {} },
    });
    for (let index = 0; index < TASKS; index++) queue.add('noop', { n: index });
    queue.close();
  }
  return now() - started;
}

// How many tasks are finished, read cheaply while the workers run (the parent polls every 10 ms, and a
// full scan would steal CPU from them on a small machine). For biged: total minus what the partial
// claim indexes still hold.
const doneCount = {
  biged: `SELECT ${TASKS} - (SELECT count(*) FROM tasks WHERE status = 'PENDING' AND assigned_to IS NULL)
            - (SELECT count(*) FROM tasks WHERE status = 'RUNNING') AS n`,
  raw: "SELECT count(*) AS n FROM raw_tasks WHERE status = 'DONE'",
  plainjob: 'SELECT count(*) AS n FROM plainjob_jobs WHERE status = 2',
};

async function scenario(mode, workers) {
  const dir = mkdtempSync(path.join(tmpdir(), 'biged-bench-'));
  const file = path.join(dir, 'fleet.db');
  try {
    const enqueueMs = await enqueue(mode, file);
    const children = Array.from({ length: workers }, (_, index) =>
      fork(workerScript, [mode, file, String(index + 1)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
    );
    await Promise.all(children.map((child) => new Promise((resolve) => child.once('message', resolve))));
    const reader = new Database(file, { readonly: true });
    const count = reader.prepare(doneCount[mode]);
    const started = now();
    for (const child of children) child.send('go');
    const deadline = Date.now() + 120_000;
    while (count.get().n < TASKS) {
      if (Date.now() > deadline) throw new Error(`${mode} x${workers}: not done after 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    reader.close();
    const stats = await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            child.once('message', resolve);
            child.send('stop');
          }),
      ),
    );
    const finished = Math.max(...stats.map((stat) => stat.lastFinishedAt));
    const drainMs = finished - started;
    return {
      mode,
      workers,
      enqueuePerSec: (TASKS / enqueueMs) * 1000,
      drainPerSec: (TASKS / drainMs) * 1000,
      totalPerSec: (TASKS / (enqueueMs + drainMs)) * 1000,
      perWorker: stats.map((stat) => ({
        processed: stat.processed,
        p50: percentile(stat.gaps, 50),
        p99: percentile(stat.gaps, 99),
        max: Math.max(0, ...stat.gaps),
      })),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (value, digits = 0) => value.toFixed(digits).padStart(8);
const results = {};
console.log(
  `queue benchmark: ${TASKS} no-op tasks per scenario (enqueue, then claim + complete), node ${process.version}`,
);
console.log('scenario          enqueue/s  claim+complete/s  total/s   claim wait p50/p99 ms per worker');
const scenarios = [
  ['raw', 1],
  ['biged', 1],
  ['plainjob', 1],
  ['raw', 4],
  ['biged', 4],
  ['plainjob', 4],
].filter(
  ([mode, workers]) =>
    !process.env.BENCH_ONLY || process.env.BENCH_ONLY.split(',').includes(`${mode}x${workers}`),
);
for (const [mode, workers] of scenarios) {
  const result = await scenario(mode, workers);
  results[`${mode}x${workers}`] = result;
  const waits = result.perWorker
    .map((worker) => `${worker.p50.toFixed(2)}/${worker.p99.toFixed(2)} (${worker.processed})`)
    .join('  ');
  console.log(
    `${`${mode} x${workers}`.padEnd(16)} ${fmt(result.enqueuePerSec)}  ${fmt(result.drainPerSec)}        ${fmt(result.totalPerSec)}   ${waits}`,
  );
}

if (scenarios.length < 6) process.exit(0);
const ratio = (a, b) => a.drainPerSec / b.drainPerSec;
const checks = [
  ['biged x1 vs raw x1 (target >= 0.70)', ratio(results.bigedx1, results.rawx1), (value) => value >= 0.7],
  ['biged x4 vs plainjob x4 (target > 1)', ratio(results.bigedx4, results.plainjobx4), (value) => value > 1],
  ['biged x4 vs raw x1 (target > 1)', ratio(results.bigedx4, results.rawx1), (value) => value > 1],
  [
    'biged x4 worst p99 claim wait ms (target < 50)',
    Math.max(...results.bigedx4.perWorker.map((worker) => worker.p99)),
    (value) => value < 50,
  ],
  [
    'biged x4 least-served worker share (1.00 = even)',
    Math.min(...results.bigedx4.perWorker.map((worker) => worker.processed)) / (TASKS / 4),
    () => true,
  ],
];
console.log('\nratios (claim + complete throughput, same run):');
for (const [label, value, ok] of checks)
  console.log(`  ${label.padEnd(50)} ${value.toFixed(2)}  ${ok(value) ? 'met' : 'MISSED'}`);
