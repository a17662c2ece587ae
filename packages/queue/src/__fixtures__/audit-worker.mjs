// A process for audit-trail.test.ts. It opens the queue, reports `ready`, waits for `go`, appends `count`
// audit rows as fast as it can (racing the other processes for the write lock) and reports `done`.
//
// argv: <file> <actor>
import { createAuditTrail, createQueue } from '../../dist/index.js';

const [file, actor] = process.argv.slice(2);
const queue = createQueue({ file });
const audit = createAuditTrail(queue);
process.send({ type: 'ready' });

process.once('message', (message) => {
  if (message?.type !== 'go') return;
  for (let index = 0; index < message.count; index++) {
    audit.append({ actor, action: 'dispatch', resource: `task-${index}`, decision: 'allow' });
  }
  queue.close();
  process.send({ type: 'done' }, () => process.exit(0));
});
