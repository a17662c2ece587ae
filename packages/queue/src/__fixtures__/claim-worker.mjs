// A worker process for create-queue.multi-process.test.ts and perf/queue-perf.mjs. It opens the queue
// (racing the other workers to create and migrate a fresh file), reports `ready`, waits for `go`, then
// claims and completes tasks until none is left, timing every call that takes the write lock.
//
// argv: <file> <agent> <mode>   mode "split": claim() then complete(); "combined": completeAndClaim().
import { createQueue } from '../../dist/index.js';

const [file, agent, mode = 'combined'] = process.argv.slice(2);
const queue = createQueue({ file });
process.send({ type: 'ready' });

process.once('message', (message) => {
  if (message?.type !== 'go') return;
  const claimed = [];
  const waits = [];
  const timed = (call) => {
    const started = performance.now();
    const value = call();
    waits.push(performance.now() - started);
    return value;
  };
  const startedAt = performance.now();
  let task = timed(() => queue.claim({ agent }));
  while (task) {
    claimed.push(task.id);
    const current = task;
    if (mode === 'split') {
      if (!timed(() => queue.complete(current.id, agent, { by: agent }))) throw new Error(`lost task ${current.id}`);
      task = timed(() => queue.claim({ agent }));
    } else {
      const { completed, next } = timed(() => queue.completeAndClaim(current.id, agent, { by: agent }));
      if (!completed) throw new Error(`lost task ${current.id}`);
      task = next;
    }
  }
  const elapsedMs = performance.now() - startedAt;
  queue.close();
  process.send({ type: 'done', agent, claimed, waits, elapsedMs }, () => process.exit(0));
});
