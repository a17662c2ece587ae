// BullMQ on the bench's own redis-server: one Worker with `concurrency` jobs at a time, jobs removed on
// completion (removeOnComplete), pre-filled with addBulk.
import { Queue, Worker } from 'bullmq';
import { now, sleep, summarize, waitUntil } from '../lib/stats.mjs';

const ADD_CHUNK = 1000;
const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true };

/** The settings, as the report prints them. */
export function bullmqSettings(concurrency) {
  return `concurrency ${concurrency}, removeOnComplete`;
}

function connection({ host, port }) {
  return { host, port, maxRetriesPerRequest: null };
}

/** Pre-fills `jobs` with addBulk, then runs them; the end is the last `completed` event. */
export async function bullmqThroughput({ redis, queueName, jobs, concurrency }) {
  const queue = new Queue(queueName, { connection: connection(redis) });
  let worker;
  try {
    await queue.obliterate({ force: true });
    const enqueueStarted = now();
    for (let first = 0; first < jobs; first += ADD_CHUNK) {
      const size = Math.min(ADD_CHUNK, jobs - first);
      await queue.addBulk(
        Array.from({ length: size }, (_, index) => ({
          name: 'noop',
          data: { i: first + index },
          opts: JOB_OPTIONS,
        })),
      );
    }
    const enqueueSeconds = (now() - enqueueStarted) / 1000;
    let firstStart = null;
    let completed = 0;
    let lastCompleted = null;
    const failures = [];
    worker = new Worker(
      queueName,
      async () => {
        firstStart ??= now();
      },
      { connection: connection(redis), concurrency, autorun: false },
    );
    worker.on('completed', () => {
      completed++;
      lastCompleted = now();
    });
    worker.on('failed', (_job, error) => failures.push(error));
    worker.on('error', (error) => failures.push(error));
    void worker.run();
    await waitUntil(() => completed >= jobs || failures.length > 0, {
      timeoutMs: 120_000,
      intervalMs: 5,
      what: 'every job to complete',
    });
    if (failures.length > 0) throw failures[0];
    const seconds = (lastCompleted - firstStart) / 1000;
    return { jobsPerSec: jobs / seconds, seconds, enqueuePerSec: jobs / enqueueSeconds };
  } finally {
    await worker?.close(true);
    await queue.close();
  }
}

/** Idle worker, then `count` add() calls `gapMs` apart; latency = handler start - enqueue time. */
export async function bullmqLatency({ redis, queueName, count, gapMs, concurrency }) {
  const queue = new Queue(queueName, { connection: connection(redis) });
  let worker;
  try {
    await queue.obliterate({ force: true });
    const samples = [];
    worker = new Worker(
      queueName,
      async (job) => {
        samples.push(now() - job.data.t);
      },
      { connection: connection(redis), concurrency },
    );
    await worker.waitUntilReady();
    await sleep(1000);
    for (let index = 0; index < count; index++) {
      await queue.add('noop', { t: now(), i: index }, JOB_OPTIONS);
      await sleep(gapMs);
    }
    await waitUntil(() => samples.length >= count, { timeoutMs: 30_000, what: `${count} jobs to start` });
    return { startMs: summarize(samples) };
  } finally {
    await worker?.close(true);
    await queue.close();
  }
}
