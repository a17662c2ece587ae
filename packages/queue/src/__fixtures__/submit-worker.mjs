// A process for create-queue.dedupe.multi-process.test.ts. It opens the queue (racing the others to create
// and migrate a fresh file), reports `ready`, waits for `go`, then submits one task per key, in the order
// given, and reports what each submit returned.
//
// argv: <file> <order>   order "forward" or "backward" over the keys in the `go` message.
import { createQueue } from '../../dist/index.js';

const [file, order = 'forward'] = process.argv.slice(2);
const queue = createQueue({ file });
process.send({ type: 'ready' });

process.once('message', (message) => {
  if (message?.type !== 'go') return;
  const keys = order === 'backward' ? [...message.keys].reverse() : message.keys;
  const results = [];
  for (const key of keys) {
    const { task, duplicate } = queue.submit({
      skill: 'index_repo',
      payload: { key, pid: process.pid },
      idempotencyKey: key,
    });
    results.push({ key, id: task.id, duplicate });
  }
  queue.close();
  process.send({ type: 'done', results }, () => process.exit(0));
});
