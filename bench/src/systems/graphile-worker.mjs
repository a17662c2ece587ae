// graphile-worker in its batched configuration (worker.graphile.org/docs/performance: localQueue,
// completeJobBatchDelay 0, failJobBatchDelay 0), one runner with `concurrency` jobs at a time.
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import { now, sleep, summarize, waitUntil } from '../lib/stats.mjs';

/** The documented performance preset's local queue size. */
const LOCAL_QUEUE_SIZE = 500;
const ADD_CHUNK = 5000;
const silent = new Logger(() => () => {});

function preset(url, concurrency) {
  return {
    worker: {
      connectionString: url,
      concurrentJobs: concurrency,
      maxPoolSize: concurrency + 1,
      localQueue: { size: LOCAL_QUEUE_SIZE },
      completeJobBatchDelay: 0,
      failJobBatchDelay: 0,
      logger: silent,
    },
  };
}

/** The settings, as the report prints them. */
export function graphileSettings(concurrency) {
  return `concurrency ${concurrency}, localQueue.size ${LOCAL_QUEUE_SIZE}, completeJobBatchDelay 0`;
}

async function pendingJobs(utils) {
  return utils.withPgClient(async (client) => {
    const { rows } = await client.query('SELECT count(*)::int AS n FROM graphile_worker._private_jobs');
    return rows[0].n;
  });
}

/** Pre-fills `jobs` with addJobs, then runs them; the end is when the jobs table is empty. */
export async function graphileThroughput({ url, jobs, concurrency }) {
  const utils = await makeWorkerUtils({ connectionString: url, logger: silent });
  try {
    await utils.migrate();
    const enqueueStarted = now();
    for (let first = 0; first < jobs; first += ADD_CHUNK) {
      const size = Math.min(ADD_CHUNK, jobs - first);
      await utils.addJobs(
        Array.from({ length: size }, (_, index) => ({ identifier: 'noop', payload: { i: first + index } })),
      );
    }
    const enqueueSeconds = (now() - enqueueStarted) / 1000;
    let started = 0;
    let firstStart = null;
    const runner = await run({
      noHandleSignals: true,
      taskList: {
        noop: async () => {
          firstStart ??= now();
          started++;
        },
      },
      preset: preset(url, concurrency),
    });
    try {
      await waitUntil(() => started >= jobs, {
        timeoutMs: 120_000,
        intervalMs: 5,
        what: 'all jobs to start',
      });
      await waitUntil(async () => (await pendingJobs(utils)) === 0, {
        timeoutMs: 30_000,
        intervalMs: 5,
        what: 'the jobs table to empty',
      });
      const seconds = (now() - firstStart) / 1000;
      return { jobsPerSec: jobs / seconds, seconds, enqueuePerSec: jobs / enqueueSeconds };
    } finally {
      await runner.stop();
    }
  } finally {
    await utils.release();
  }
}

/** Idle runner, then `count` addJob calls `gapMs` apart; latency = handler start - enqueue time. */
export async function graphileLatency({ url, count, gapMs, concurrency }) {
  const utils = await makeWorkerUtils({ connectionString: url, logger: silent });
  try {
    await utils.migrate();
    const samples = [];
    const runner = await run({
      noHandleSignals: true,
      taskList: {
        noop: async (payload) => {
          samples.push(now() - payload.t);
        },
      },
      preset: preset(url, concurrency),
    });
    try {
      await sleep(1000);
      for (let index = 0; index < count; index++) {
        await utils.addJob('noop', { t: now(), i: index });
        await sleep(gapMs);
      }
      await waitUntil(() => samples.length >= count, { timeoutMs: 30_000, what: `${count} jobs to start` });
      return { startMs: summarize(samples) };
    } finally {
      await runner.stop();
    }
  } finally {
    await utils.release();
  }
}
