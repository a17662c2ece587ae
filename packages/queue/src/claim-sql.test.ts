import { afterEach, describe, expect, it } from 'vitest';
import { buildClaimSql } from './claim-sql';
import { createQueue } from './create-queue';
import { getQueueDatabase } from './queue-database';
import type { TaskQueue } from './task-queue';

let queue: TaskQueue | undefined;
afterEach(() => queue?.close());

function plan(shape: { skills: boolean; preferred: boolean; exclude?: boolean }): string[] {
  queue = createQueue({ file: ':memory:' });
  const database = getQueueDatabase(queue);
  const parameters: Record<string, string | number> = { agent: 'a', now: 0 };
  if (shape.skills) parameters.skills = '["summarize"]';
  if (shape.preferred) parameters.preferred = '["code_review"]';
  if (shape.exclude) parameters.exclude = '["synthesize"]';
  const rows = database.prepare(`EXPLAIN QUERY PLAN ${buildClaimSql(shape)}`).all(parameters) as Array<{
    detail: string;
  }>;
  return rows.map((row) => row.detail);
}

describe('buildClaimSql', () => {
  it.each([
    { skills: false, preferred: false },
    { skills: true, preferred: false },
    { skills: false, preferred: true },
    { skills: true, preferred: true },
    { skills: false, preferred: false, exclude: true },
    { skills: false, preferred: true, exclude: true },
  ])('finds candidates by index, never by scanning or sorting tasks (%o)', (shape) => {
    const details = plan(shape);
    const taskAccess = details.filter((detail) => /\b(tasks|candidate)\b/.test(detail));
    expect(taskAccess.length).toBeGreaterThan(0);
    // Either a keyed lookup, or the ordered walk of the partial pending index that stops at LIMIT 1.
    for (const detail of taskAccess) {
      expect(detail).toMatch(/^(SEARCH (tasks|candidate) USING |SCAN tasks USING INDEX tasks_pending_idx$)/);
    }
    expect(details.some((detail) => /^SCAN (tasks|candidate)$/.test(detail))).toBe(false);
  });

  it('is one UPDATE ... RETURNING statement', () => {
    const text = buildClaimSql({ skills: true, preferred: true });
    expect(text.trimStart().startsWith('UPDATE tasks')).toBe(true);
    expect(text).toContain("AND status = 'PENDING'");
    expect(text).toContain('RETURNING');
  });
});
