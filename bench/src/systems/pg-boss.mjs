// pg-boss: `concurrency` workers (work() calls) on one queue, each fetching `batchSize` jobs per poll at
// the smallest polling interval it accepts (0.5 s). A pg-boss worker sleeps out the rest of its polling
// interval after each batch, so a fast job's throughput is bounded by batchSize / 0.5 s per worker.
import PgBoss from 'pg-boss';
import { now, sleep, summarize, waitUntil } from '../lib/stats.mjs';

/** Jobs per fetch: the same 500 as graphile-worker's local queue. */
const BATCH_SIZE = 500;
/** pg-boss's minimum polling interval. */
const POLLING_INTERVAL_SECONDS = 0.5;
const INSERT_CHUNK = 5000;
const QUEUE = 'noop';

/** The settings, as the report prints them. */
export function pgBossSettings(concurrency) {
  return `${concurrency} work() workers, batchSize ${BATCH_SIZE}, pollingIntervalSeconds ${POLLING_INTERVAL_SECONDS}`;
}

async function startBoss(url, concurrency) {
  const boss = new PgBoss({
    connectionString: url,
    max: concurrency + 2,
    schedule: false,
    supervise: false,
  });
  const errors = [];
  boss.on('error', (error) => errors.push(error));
  await boss.start();
  await boss.createQueue(QUEUE);
  return { boss, errors };
}

async function startWorkers(boss, concurrency, handler) {
  for (let index = 0; index < concurrency; index++) {
    await boss.work(
      QUEUE,
      { batchSize: BATCH_SIZE, pollingIntervalSeconds: POLLING_INTERVAL_SECONDS },
      handler,
    );
  }
}

/** Pre-fills `jobs` with insert(), then runs them; the end is when none is left before `completed`. */
export async function pgBossThroughput({ url, jobs, concurrency }) {
  const { boss, errors } = await startBoss(url, concurrency);
  try {
    const enqueueStarted = now();
    for (let first = 0; first < jobs; first += INSERT_CHUNK) {
      const size = Math.min(INSERT_CHUNK, jobs - first);
      await boss.insert(
        Array.from({ length: size }, (_, index) => ({ name: QUEUE, data: { i: first + index } })),
      );
    }
    const enqueueSeconds = (now() - enqueueStarted) / 1000;
    let started = 0;
    let firstStart = null;
    await startWorkers(boss, concurrency, async (batch) => {
      firstStart ??= now();
      started += batch.length;
    });
    await waitUntil(() => started >= jobs || errors.length > 0, {
      timeoutMs: 180_000,
      intervalMs: 5,
      what: 'all jobs to start',
    });
    if (errors.length > 0) throw errors[0];
    await waitUntil(async () => (await boss.getQueueSize(QUEUE, { before: 'completed' })) === 0, {
      timeoutMs: 30_000,
      intervalMs: 5,
      what: 'every job to complete',
    });
    const seconds = (now() - firstStart) / 1000;
    return { jobsPerSec: jobs / seconds, seconds, enqueuePerSec: jobs / enqueueSeconds };
  } finally {
    await boss.stop({ graceful: false, wait: true, close: true });
  }
}

/** Idle workers, then `count` send() calls `gapMs` apart; latency = handler start - enqueue time. */
export async function pgBossLatency({ url, count, gapMs, concurrency }) {
  const { boss, errors } = await startBoss(url, concurrency);
  try {
    const samples = [];
    await startWorkers(boss, concurrency, async (batch) => {
      const started = now();
      for (const job of batch) samples.push(started - job.data.t);
    });
    await sleep(1000);
    for (let index = 0; index < count; index++) {
      await boss.send(QUEUE, { t: now(), i: index });
      await sleep(gapMs);
    }
    await waitUntil(() => samples.length >= count || errors.length > 0, {
      timeoutMs: 30_000,
      what: `${count} jobs to start`,
    });
    if (errors.length > 0) throw errors[0];
    return { startMs: summarize(samples) };
  } finally {
    await boss.stop({ graceful: false, wait: true, close: true });
  }
}
