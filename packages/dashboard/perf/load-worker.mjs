// One helper process of the dashboard load test. argv: <worker|feeder> <db file> <name>
// worker: registers as an agent and claims and completes tasks in batches (claimMany + settle, what a fleet
// worker's loop does), heartbeating every second. feeder: enqueues BENCH_TASK_RATE tasks a second.
// Both stop on 'stop' and send { processed } / { enqueued } back.
import { setTimeout as sleep } from 'node:timers/promises';
import { createQueue } from '@biged/queue';

const [mode, file, name] = process.argv.slice(2);
const queue = createQueue({ file });
let running = true;
process.on('message', (message) => {
  if (message === 'stop') running = false;
});

if (mode === 'worker') {
  queue.registerAgent({ name, role: 'coder', pid: process.pid, host: 'bench', status: 'IDLE' });
  let processed = 0;
  let busyErrors = 0;
  let lastBeat = Date.now();
  let claimed = [];
  while (running) {
    try {
      ({ claimed, processed } = await step(claimed, processed));
    } catch {
      // A write that stayed locked past the queue's busy retry on an overloaded machine: the claimed
      // tasks stay RUNNING for this agent; take new ones and go on (the run measures the dashboard).
      busyErrors += 1;
      claimed = [];
      await sleep(5);
    }
    if (Date.now() - lastBeat >= 1000) {
      try {
        queue.agentHeartbeat(name, { status: 'BUSY', currentTaskId: claimed[0]?.id ?? null });
      } catch {
        busyErrors += 1;
      }
      lastBeat = Date.now();
    }
  }
  process.send({ processed, busyErrors });
}

/** One turn of the worker loop: claim when idle, else complete the claimed batch and claim the next. */
async function step(claimed, processed) {
  if (claimed.length === 0) {
    await sleep(10);
    return { claimed: queue.claimMany({ agent: name }, 20), processed };
  }
  const next = queue.settle({
    agent: name,
    completed: claimed.map((task) => ({ taskId: task.id, result: { ok: true } })),
    claim: {},
    limit: 20,
  }).next;
  await sleep(1); // the skill's own work, and a turn of the event loop as a real worker has
  return { claimed: next, processed: processed + claimed.length };
}

if (mode === 'feeder') {
  const rate = Number(process.env.BENCH_TASK_RATE ?? 400);
  const tickMs = 50;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  let enqueued = 0;
  while (running) {
    try {
      queue.submitMany(
        Array.from({ length: perTick }, (_, n) => ({ skill: 'noop', payload: { n: enqueued + n } })),
      );
      enqueued += perTick;
    } catch {
      // locked past the busy retry on an overloaded machine: skip this tick
    }
    await sleep(tickMs);
  }
  process.send({ enqueued });
}
queue.close();
process.exit(0);
