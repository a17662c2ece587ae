import { createQueue } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ChaosHome,
  createChaosHome,
  installTransitionLedger,
  ledgerReport,
  openLedgerDb,
  readSqliteLedger,
} from './harness';

// The checks the scenarios rely on must be able to fail: here the ledger sees what a broken queue would do.

let chaos: ChaosHome | undefined;
afterEach(() => {
  chaos?.cleanup();
  chaos = undefined;
});

describe('the exactly-once ledger', () => {
  it('records each DONE/FAILED update, so a second completion, a lost task or a wrong attempt shows', () => {
    chaos = createChaosHome({ workers: 1 });
    const db = openLedgerDb(chaos);
    try {
      installTransitionLedger(db);
      const queue = createQueue({ file: chaos.db });
      const ids = [0, 1, 2, 3, 4].map(
        (n) => queue.enqueue({ skill: 'chaos_task', payload: { n, sleep_ms: 0, fail: n === 4 } }).id,
      );
      queue.close();
      const [once, twice, lost, wrongAttempt, flagged] = ids as [number, number, number, number, number];
      const finish = db.prepare(
        "UPDATE tasks SET status = 'DONE', attempts = @attempts, result_json = @result WHERE id = @id",
      );
      finish.run({ id: once, attempts: 1, result: '{"attempt":1}' });
      // A second completion of the same task (what a double settle would do).
      finish.run({ id: twice, attempts: 1, result: '{"attempt":1}' });
      finish.run({ id: twice, attempts: 1, result: '{"attempt":1}' });
      finish.run({ id: wrongAttempt, attempts: 2, result: '{"attempt":1}' });
      finish.run({ id: flagged, attempts: 1, result: '{"attempt":1}' });
      // An update of another column does not count.
      db.prepare('UPDATE tasks SET priority = 7 WHERE id = ?').run(once);

      const tasks = ids.map((id) => ({ id, fail: id === flagged }));
      const report = ledgerReport(readSqliteLedger(db), tasks);
      expect(report.tasks).toBe(5);
      expect(report.duplicated).toEqual([{ taskId: twice, rows: 2 }]);
      expect(report.missing).toEqual([lost]);
      expect(report.byStatus).toEqual({ DONE: 4, PENDING: 1 });
      expect(report.doneAttemptMismatch).toEqual([{ id: wrongAttempt, attempts: 2, resultAttempt: 1 }]);
      expect(report.flaggedDone).toEqual([flagged]);

      db.prepare("UPDATE tasks SET status = 'FAILED', attempts = 2, error = 'boom' WHERE id = ?").run(lost);
      const after = ledgerReport(readSqliteLedger(db), tasks);
      expect(after.missing).toEqual([]);
      expect(after.failedAttemptMismatch).toEqual([{ id: lost, attempts: 2, maxAttempts: 3 }]);
      expect(after.unflaggedFailed).toEqual([{ id: lost, error: 'boom' }]);
    } finally {
      db.close();
    }
  });
});
