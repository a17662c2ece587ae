// A process for schedules.multi-process.test.ts: a scheduler on a shared SQLite file. It opens the queue
// with a simulated clock, reports `ready`, waits for `go`, then ticks every `step` simulated seconds from
// `t0` through one hour (plus less than one step) and reports the due times it fired.
//
// argv: <file> <name>
import { createQueue, createScheduleStore } from '../../dist/index.js';

const [file, name] = process.argv.slice(2);
let now = 0;
const queue = createQueue({ file, clock: () => now });
const store = createScheduleStore({ queue });
process.send({ type: 'ready' });

process.once('message', (message) => {
  if (message?.type !== 'go') return;
  const fired = [];
  // Through the hour: the last tick lands at or just after its 60th due time.
  for (let second = message.offset; second < 3600 + message.step; second += message.step) {
    now = message.t0 + second * 1000;
    for (const fire of store.tick({ firedBy: name }).fired) fired.push(fire.dueAt);
  }
  queue.close();
  process.send({ type: 'done', fired }, () => process.exit(0));
});
