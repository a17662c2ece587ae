#!/usr/bin/env node
// `pnpm bench` (dashboard): autocannon on loopback against (a) a bare Hono JSON route and (b) the
// dashboard's /api/status on a real fleet DB, both measured in this run, in alternating slices, while 4
// worker processes claim and complete tasks on that DB (a feeder keeps them busy), each server in its own
// process. Prints req/s, p99,
// the ratio (target >= 0.5x bare) and whether p99 < 20 ms; the last line is the result as JSON.
// BENCH_SECONDS (10 per route), BENCH_ROUNDS (5 slices), BENCH_CONNECTIONS (10), BENCH_TASK_RATE (400 tasks/s).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetPaths } from '@biged/core';
import { createQueue } from '@biged/queue';
import autocannon from 'autocannon';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const WORKERS = 4;
const here = (name) => fileURLToPath(new URL(`./${name}`, import.meta.url));

const home = mkdtempSync(path.join(tmpdir(), 'biged-dashboard-bench-'));
const paths = fleetPaths(home);
const children = [];

const start = (script, args) => {
  const child = fork(here(script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child);
  return child;
};
const firstMessage = (child) =>
  new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`${child.spawnargs.join(' ')} exited with ${code}`)));
  });

const load = (url, duration) =>
  new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration }, (error, result) =>
      error ? reject(error) : resolve(result),
    );
  });

/** Starts a server process; resolves with its URL for `route` and a stop function. */
async function startServer(mode, route) {
  const server = start('load-server.mjs', [mode, home]);
  const { port } = await firstMessage(server);
  const url = `http://127.0.0.1:${port}${route}`;
  await load(url, 1); // warm-up: JIT, statement caches
  return { url, stop: () => server.connected && server.send('stop') };
}

/**
 * Both routes in alternating slices (BENCH_ROUNDS, default 5, of SECONDS / rounds each), so a change in
 * the machine's load during the run hits both alike. req/s: all requests over all slices; p99: the worst
 * slice's p99 (conservative).
 */
async function measureBoth(targets) {
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5));
  const slice = Math.max(1, Math.round(SECONDS / rounds));
  const totals = targets.map((target) => ({
    route: target.route,
    requests: 0,
    seconds: 0,
    p50s: [],
    p99Ms: 0,
    errors: 0,
    non2xx: 0,
  }));
  for (let round = 0; round < rounds; round++) {
    for (const [index, target] of targets.entries()) {
      const result = await load(target.url, slice);
      const total = totals[index];
      total.requests += result.requests.total;
      total.seconds += result.duration;
      total.p50s.push(result.latency.p50);
      total.p99Ms = Math.max(total.p99Ms, result.latency.p99);
      total.errors += result.errors + result.timeouts;
      total.non2xx += result.non2xx;
    }
  }
  return totals.map(({ requests, seconds, p50s, ...rest }) => ({
    ...rest,
    requestsPerSec: Math.round(requests / seconds),
    p50Ms: p50s.sort((x, y) => x - y)[Math.floor(p50s.length / 2)],
  }));
}

try {
  // A fleet DB with some history: 5,000 finished tasks, then the workers' live traffic on top.
  const seed = createQueue({ file: paths.db });
  seed.submitMany(Array.from({ length: 5000 }, (_, n) => ({ skill: 'noop', payload: { n } })));
  seed.registerAgent({ name: 'seed', role: 'coder', pid: null, status: 'IDLE' });
  for (let batch = seed.claimMany({ agent: 'seed' }, 500); batch.length > 0; ) {
    batch = seed.settle({
      agent: 'seed',
      completed: batch.map((task) => ({ taskId: task.id, result: null })),
      claim: {},
      limit: 500,
    }).next;
  }
  seed.close();

  const helpers = [
    start('load-worker.mjs', ['feeder', paths.db, 'feeder']),
    ...Array.from({ length: WORKERS }, (_, index) =>
      start('load-worker.mjs', ['worker', paths.db, `coder_${index + 1}`]),
    ),
  ];
  await new Promise((resolve) => setTimeout(resolve, 1000));

  const bareServer = await startServer('bare', '/bare');
  const statusServer = await startServer('status', '/api/status');
  const [bare, status] = await measureBoth([
    { route: '/bare', url: bareServer.url },
    { route: '/api/status', url: statusServer.url },
  ]);
  bareServer.stop();
  statusServer.stop();

  const reports = helpers.map((helper) => firstMessage(helper).catch(() => ({ lost: true })));
  for (const helper of helpers) if (helper.connected) helper.send('stop');
  const [{ enqueued = 0 }, ...workers] = await Promise.all(reports);
  const processed = workers.reduce((sum, report) => sum + (report.processed ?? 0), 0);
  const busyErrors = workers.reduce((sum, report) => sum + (report.busyErrors ?? 0), 0);
  const lostHelpers = [...workers, { enqueued }].filter((report) => report.lost).length;

  const ratio = status.requestsPerSec / bare.requestsPerSec;
  const result = {
    seconds: SECONDS,
    connections: CONNECTIONS,
    workers: WORKERS,
    tasksEnqueued: enqueued,
    tasksProcessed: processed,
    workerBusyErrors: busyErrors,
    lostHelpers,
    bare,
    status,
    ratio: Number(ratio.toFixed(3)),
    targets: { ratio: '>= 0.5', p99Ms: '< 20' },
    pass: ratio >= 0.5 && status.p99Ms < 20 && status.errors === 0 && status.non2xx === 0,
  };
  const row = (name, r) =>
    `${name.padEnd(14)} ${String(r.requestsPerSec).padStart(8)} req/s  p50 ${r.p50Ms} ms  p99 ${r.p99Ms} ms  errors ${r.errors}  non-2xx ${r.non2xx}`;
  console.log(
    `dashboard load test: ${SECONDS} s, ${CONNECTIONS} connections, ${WORKERS} workers processing tasks`,
  );
  console.log(row('bare Hono', bare));
  console.log(row('/api/status', status));
  console.log(
    `workers processed ${processed} tasks (${enqueued} enqueued) during the run` +
      (busyErrors || lostHelpers ? `; ${busyErrors} locked writes, ${lostHelpers} helper(s) lost` : ''),
  );
  console.log(
    `/api/status: ${ratio.toFixed(2)}x bare (target >= 0.5x), p99 ${status.p99Ms} ms (target < 20 ms): ${result.pass ? 'PASS' : 'MISS'}`,
  );
  console.log(JSON.stringify(result));
} finally {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  rmSync(home, { recursive: true, force: true });
}
