// A worker process for usage/create-usage-ledger.multi-process.test.ts. It opens the queue and ledger,
// reports `ready`, waits for `go`, then tries `attempts` times to reserve `estimatedUsd` against the
// shared block budget, settling each reservation it gets at the estimated cost.
//
// argv: <file> <agent> <attempts> <estimatedUsd> <limitUsd>
import { createQueue, createUsageLedger } from '../../dist/index.js';

const [file, agent, attempts, estimatedUsd, limitUsd] = process.argv.slice(2);
const queue = createQueue({ file });
const ledger = createUsageLedger({ queue });
process.send({ type: 'ready' });

process.once('message', (message) => {
  if (message?.type !== 'go') return;
  const reserved = [];
  const refused = [];
  for (let attempt = 0; attempt < Number(attempts); attempt++) {
    try {
      const { reservationId } = ledger.reserveBudget({
        skill: 'summarize',
        agent,
        provider: 'claude',
        model: 'claude-sonnet-4-5',
        estimatedUsd: Number(estimatedUsd),
        budget: { limitUsd: Number(limitUsd), period: 'day', enforcement: 'block' },
      });
      reserved.push(reservationId);
      // Every other call settles at once; the rest stay open reservations: both must count.
      if (reserved.length % 2 === 1) ledger.settleUsage(reservationId, { costUsd: Number(estimatedUsd), ok: true });
    } catch (error) {
      if (error?.code !== 'QUEUE_BUDGET_EXCEEDED') throw error;
      refused.push(error.code);
    }
  }
  queue.close();
  process.send({ type: 'done', agent, reserved, refused: refused.length }, () => process.exit(0));
});
