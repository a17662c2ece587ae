// BigEd scenarios: the pre-filled throughput run and the start-latency run, each with N worker processes
// (biged-worker.mjs) on one store. SQLite is synchronous, so workers are processes, as in the fleet.
import { fork } from 'node:child_process';
import { now, sleep, summarize, waitUntil } from '../lib/stats.mjs';
import { NOOP_SKILL, openBigedStore } from './biged-store.mjs';

const workerScript = new URL('./biged-worker.mjs', import.meta.url);
/** submitMany takes at most 10,000 requests; 5,000 keeps each transaction short. */
const SUBMIT_CHUNK = 5000;

/**
 * Pre-fills `jobs` no-op tasks (submitMany), starts `workers` processes, releases them at once and waits
 * until the queue is empty. Throughput = jobs / (last settle - first claim), over all workers.
 */
export async function bigedThroughput({ dialect, file, url, jobs, workers }) {
  const store = await openBigedStore({ dialect, file, url });
  try {
    const enqueueStarted = now();
    for (let first = 0; first < jobs; first += SUBMIT_CHUNK) {
      const size = Math.min(SUBMIT_CHUNK, jobs - first);
      await store.submitMany(
        Array.from({ length: size }, (_, index) => ({ skill: NOOP_SKILL, payload: { i: first + index } })),
      );
    }
    const enqueueSeconds = (now() - enqueueStarted) / 1000;
    const reports = await runWorkers({ dialect, file, url, workers, mode: 'throughput' });
    const counts = await store.counts();
    if (counts.DONE !== jobs) throw new Error(`expected ${jobs} DONE, counts ${JSON.stringify(counts)}`);
    const first = Math.min(...reports.map((report) => report.firstClaimAt));
    const last = Math.max(...reports.map((report) => report.lastSettleAt));
    const seconds = (last - first) / 1000;
    return {
      jobsPerSec: jobs / seconds,
      seconds,
      enqueuePerSec: jobs / enqueueSeconds,
      claimMs: summarize(reports.flatMap((report) => report.claimMs)),
      perWorker: reports.map((report) => report.done),
    };
  } finally {
    await store.close();
  }
}

/**
 * Starts `workers` idle worker processes, lets them settle into their idle poll, then enqueues `count`
 * tasks one at a time `gapMs` apart with the enqueue time in the payload; start latency is measured by
 * the worker that runs each task.
 */
export async function bigedLatency({ dialect, file, url, workers, count, gapMs }) {
  const store = await openBigedStore({ dialect, file, url });
  try {
    let stop;
    const reportsPromise = runWorkers({
      dialect,
      file,
      url,
      workers,
      mode: 'latency',
      onStarted: (stopAll) => {
        stop = stopAll;
      },
    });
    await waitUntil(() => stop, { timeoutMs: 60_000, what: 'the workers to start' });
    // Idle for a while: the workers' poll has grown to its maximum, as in a quiet fleet.
    await sleep(1000);
    for (let index = 0; index < count; index++) {
      await store.enqueue({ skill: NOOP_SKILL, payload: { t: now(), i: index } });
      await sleep(gapMs);
    }
    await waitUntil(async () => (await store.counts()).DONE === count, {
      timeoutMs: 30_000,
      intervalMs: 20,
      what: `${count} tasks to finish`,
    });
    stop();
    const reports = await reportsPromise;
    return { startMs: summarize(reports.flatMap((report) => report.latencyMs)) };
  } finally {
    await store.close();
  }
}

/** Forks the workers, waits until all are ready, sends `go` to all at once, resolves with their reports. */
async function runWorkers({ dialect, file, url, workers, mode, onStarted }) {
  const args = ['--dialect', dialect, '--mode', mode, ...(file ? ['--file', file] : ['--url', url])];
  const children = [];
  try {
    const ready = [];
    const done = [];
    for (let index = 0; index < workers; index++) {
      const child = fork(workerScript, [...args, '--agent', `bench_${index + 1}`], {
        execArgv: [],
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.push(child);
      const exited = new Promise((_, reject) =>
        child.once('exit', (code, signal) =>
          reject(new Error(`worker ${index + 1} exited (${signal ?? code}) before reporting`)),
        ),
      );
      exited.catch(() => {});
      ready.push(Promise.race([once(child, 'ready'), exited]));
      done.push(Promise.race([once(child, 'done'), exited]));
    }
    await Promise.all(ready);
    for (const child of children) child.send({ type: 'go' });
    onStarted?.(() => {
      for (const child of children) if (child.connected) child.send({ type: 'stop' });
    });
    return await Promise.all(done);
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill();
  }
}

function once(child, type) {
  return new Promise((resolve) => {
    const listener = (message) => {
      if (message?.type !== type) return;
      child.off('message', listener);
      resolve(message);
    };
    child.on('message', listener);
  });
}
