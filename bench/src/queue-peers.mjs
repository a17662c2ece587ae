#!/usr/bin/env node
// `pnpm bench` (bench/): BigEd's queue against peer job queues in one run, on one machine and one
// PostgreSQL server. See docs/performance.md ("Queue throughput against peers") for the method.
//
//   node src/queue-peers.mjs [--jobs 20000] [--quick] [--pg-url postgres://...] [--only a,b]
//
// --jobs       no-op jobs per throughput row (default 20000)
// --quick      short smoke run (2000 jobs, 50 latency jobs); writes results/queue-peers-quick.*
// --pg-url     use this PostgreSQL server (its user must be allowed to CREATE DATABASE) instead of a
//              throwaway cluster from startTestPostgres()
// --only       comma-separated systems: biged-sqlite, biged-postgres, graphile-worker, pg-boss, bullmq
//
// Writes results/queue-peers.json and results/queue-peers.md and prints the markdown.
import { fork } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBenchPostgres } from './lib/postgres.mjs';
import { redisServerVersion, startRedisServer } from './lib/redis-server.mjs';
import { addRatios, formatReport } from './lib/report.mjs';
import { bullmqSettings } from './systems/bullmq.mjs';
import { graphileSettings } from './systems/graphile-worker.mjs';
import { pgBossSettings } from './systems/pg-boss.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const packageRoot = path.resolve(here, '..');
const SYSTEMS = ['biged-sqlite', 'biged-postgres', 'graphile-worker', 'pg-boss', 'bullmq'];

const { values } = parseArgs({
  options: {
    jobs: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'pg-url': { type: 'string' },
    only: { type: 'string' },
    'scenario-timeout': { type: 'string', default: '180' },
  },
});
const jobs = Number(values.jobs ?? (values.quick ? 2000 : 20000));
if (!Number.isInteger(jobs) || jobs < 1 || jobs > 1_000_000) {
  throw new Error(`--jobs must be an integer from 1 to 1000000, got ${values.jobs}`);
}
const only = values.only ? values.only.split(',').map((name) => name.trim()) : SYSTEMS;
for (const name of only) {
  if (!SYSTEMS.includes(name))
    throw new Error(`--only: unknown system ${name} (known: ${SYSTEMS.join(', ')})`);
}
const scenarioTimeoutMs = Number(values['scenario-timeout']) * 1000;
const latencyPlan = { count: values.quick ? 50 : 300, gapMs: 10, workers: 4 };

const manifest = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8'));
const queueManifest = JSON.parse(
  readFileSync(path.join(packageRoot, 'node_modules/@biged/queue/package.json'), 'utf8'),
);
const versions = {
  '@biged/queue': queueManifest.version,
  'graphile-worker': manifest.devDependencies['graphile-worker'],
  'pg-boss': manifest.devDependencies['pg-boss'],
  bullmq: manifest.devDependencies.bullmq,
  ioredis: manifest.devDependencies.ioredis,
  pg: manifest.devDependencies.pg,
};
const labels = {
  'biged-sqlite': 'BigEd SQLite',
  'biged-postgres': 'BigEd PostgreSQL',
  'graphile-worker': `graphile-worker ${versions['graphile-worker']}`,
  'pg-boss': `pg-boss ${versions['pg-boss']}`,
  bullmq: `BullMQ ${versions.bullmq}`,
};
const bigedSettings = (maxBatch) => (workers) =>
  `${workers} worker process${workers === 1 ? '' : 'es'}, claimMany/settle batch 1-${maxBatch}`;
const settingsOf = {
  'biged-sqlite': bigedSettings(32),
  'biged-postgres': bigedSettings(256),
  'graphile-worker': graphileSettings,
  'pg-boss': pgBossSettings,
  bullmq: bullmqSettings,
};

const tempDir = mkdtempSync(path.join(os.tmpdir(), 'biged-bench-'));
let postgres = null;
let redis = null;
let current = null;
const cleanUp = async () => {
  current?.kill();
  await redis?.stop().catch(() => {});
  await postgres?.stop().catch(() => {});
  rmSync(tempDir, { recursive: true, force: true });
};
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the servers the bench started`);
    void cleanUp().finally(() => process.exit(130));
  });
}

const results = {
  kind: 'queue-peers',
  date: new Date().toISOString(),
  quick: values.quick,
  jobs,
  latencyPlan,
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: os.platform(),
    release: os.release(),
    node: process.versions.node,
    loadBefore: os.loadavg(),
    loadAfter: null,
  },
  servers: { postgres: {}, redis: {} },
  versions,
  throughput: [],
  latency: [],
};

try {
  const needsPostgres = only.some((name) => name !== 'biged-sqlite' && name !== 'bullmq');
  if (needsPostgres) {
    try {
      postgres = await startBenchPostgres({ url: values['pg-url'] });
      results.servers.postgres = { source: postgres.source, ...(await postgres.facts()) };
    } catch (error) {
      results.servers.postgres = { error: firstLine(error) };
    }
  } else {
    results.servers.postgres = { error: 'not needed by --only' };
  }
  if (only.includes('bullmq')) {
    const version = redisServerVersion();
    if (version === null) {
      results.servers.redis = { error: 'redis-server not installed' };
    } else {
      try {
        redis = await startRedisServer();
        results.servers.redis = { version };
      } catch (error) {
        results.servers.redis = { error: firstLine(error) };
      }
    }
  } else {
    results.servers.redis = { error: 'not needed by --only' };
  }

  // Grouped by worker count, so that rows compared with each other ran close together in time.
  const plan = [];
  for (const workers of [1, 4, 16]) {
    for (const system of only) {
      if (workers === 1 && !system.startsWith('biged-')) continue;
      plan.push({ system, workers });
    }
  }
  if (only.includes('bullmq')) plan.push({ system: 'bullmq', workers: 50 });
  let sequence = 0;
  for (const { system, workers } of plan) {
    const row = await measure('throughput', system, workers, ++sequence);
    results.throughput.push(row);
    console.error(progress('throughput', row));
  }
  for (const system of only) {
    const row = await measure('latency', system, latencyPlan.workers, ++sequence);
    results.latency.push(row);
    console.error(progress('latency', row));
  }
} finally {
  results.machine.loadAfter = os.loadavg();
  await cleanUp();
}

addRatios(results);
const markdown = formatReport(results);
const resultsDir = path.join(packageRoot, 'results');
mkdirSync(resultsDir, { recursive: true });
const base = values.quick ? 'queue-peers-quick' : 'queue-peers';
writeFileSync(path.join(resultsDir, `${base}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(path.join(resultsDir, `${base}.md`), markdown);
console.log(markdown);
console.error(`written: ${path.relative(process.cwd(), path.join(resultsDir, base))}.{json,md}`);

/** One row: the scenario run in a child process, or why it could not be. */
async function measure(kind, system, workers, sequence) {
  const row = { system, label: labels[system], workers, settings: settingsOf[system](workers) };
  const unavailable = whyUnavailable(system);
  if (unavailable) return { ...row, status: 'not measured', reason: unavailable };
  try {
    const { module, fn, args } = await scenario(kind, system, workers, sequence);
    const result = await runChild({ module, fn, args });
    return { ...row, status: 'measured', ...result };
  } catch (error) {
    return { ...row, status: 'not measured', reason: firstLine(error) };
  }
}

function whyUnavailable(system) {
  if (system === 'bullmq') return results.servers.redis.error ?? null;
  if (system !== 'biged-sqlite' && results.servers.postgres.error) {
    return `PostgreSQL not available (${results.servers.postgres.error})`;
  }
  return null;
}

async function scenario(kind, system, workers, sequence) {
  const name = `bench_${sequence}_${system.replaceAll('-', '_')}_${workers}`;
  const common = kind === 'throughput' ? { jobs } : { count: latencyPlan.count, gapMs: latencyPlan.gapMs };
  const fn = (prefix) => `${prefix}${kind === 'throughput' ? 'Throughput' : 'Latency'}`;
  switch (system) {
    case 'biged-sqlite':
      return {
        module: 'biged',
        fn: fn('biged'),
        args: { ...common, dialect: 'sqlite', file: path.join(tempDir, `${name}.db`), workers },
      };
    case 'biged-postgres':
      return {
        module: 'biged',
        fn: fn('biged'),
        args: { ...common, dialect: 'postgres', url: await postgres.createDatabase(name), workers },
      };
    case 'graphile-worker':
      return {
        module: 'graphile-worker',
        fn: fn('graphile'),
        args: { ...common, url: await postgres.createDatabase(name), concurrency: workers },
      };
    case 'pg-boss':
      return {
        module: 'pg-boss',
        fn: fn('pgBoss'),
        args: { ...common, url: await postgres.createDatabase(name), concurrency: workers },
      };
    case 'bullmq':
      return {
        module: 'bullmq',
        fn: fn('bullmq'),
        args: {
          ...common,
          redis: { host: redis.host, port: redis.port },
          queueName: name,
          concurrency: workers,
        },
      };
    default:
      throw new Error(`unknown system ${system}`);
  }
}

/** Runs scenario-child.mjs in its own process group; kills the whole group on timeout. */
function runChild(spec) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(here, 'scenario-child.mjs'), [JSON.stringify(spec)], {
      execArgv: [],
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const killGroup = () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    current = { kill: killGroup };
    let answer = null;
    const timer = setTimeout(() => {
      answer ??= { ok: false, error: `timed out after ${scenarioTimeoutMs / 1000} s` };
      killGroup();
    }, scenarioTimeoutMs);
    child.on('message', (message) => {
      answer ??= message;
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      current = null;
      // Worker processes a failed scenario left behind.
      killGroup();
      if (answer?.ok) resolve(answer.result);
      else reject(new Error(answer?.error ?? `scenario process exited (${signal ?? code}) without a result`));
    });
  });
}

function progress(kind, row) {
  const figure =
    row.status !== 'measured'
      ? `not measured: ${row.reason}`
      : kind === 'throughput'
        ? `${Math.round(row.jobsPerSec)} jobs/s`
        : `p50 ${row.startMs.p50.toFixed(2)} ms, p99 ${row.startMs.p99.toFixed(2)} ms`;
  return `${kind.padEnd(10)} ${row.label.padEnd(24)} x${String(row.workers).padEnd(3)} ${figure}`;
}

function firstLine(error) {
  return String(error?.message ?? error).split('\n')[0];
}
