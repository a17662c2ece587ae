import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue';
import { DEPENDENCY_SQL } from './dependency-sql';
import { getQueueDatabase } from './queue-database';
import type { TaskQueue } from './task-queue';

let queue: TaskQueue;
beforeEach(() => {
  queue = createQueue({ file: ':memory:' });
});
afterEach(() => queue.close());

const PARAMETERS: Record<string, string | number> = { id: 1, ids: '[1,2,3]', taskId: 4, reason: 'r', now: 0 };

/** The plan SQLite picks for a statement on the shipped schema (no ANALYZE statistics, as in a fleet). */
function plan(text: string): string[] {
  const database = getQueueDatabase(queue);
  const parameters = Object.fromEntries(
    Object.entries(PARAMETERS).filter(([name]) => text.includes(`@${name}`)),
  );
  const rows = database.prepare(`EXPLAIN QUERY PLAN ${text}`).all(parameters) as Array<{ detail: string }>;
  return rows.map((row) => row.detail);
}

describe('DEPENDENCY_SQL', () => {
  it.each([
    'promote',
    'endDependents',
    'cancelDependents',
  ] as const)('%s reaches the dependents by the covering edge index, then each row by primary key', (name) => {
    expect(plan(DEPENDENCY_SQL[name])).toEqual([
      'SEARCH edge USING COVERING INDEX task_dependencies_depends_on_idx (depends_on_id=?)',
      'SEARCH tasks USING INTEGER PRIMARY KEY (rowid=?)',
    ]);
  });

  it('hasDependents is one seek in the covering edge index', () => {
    expect(plan(DEPENDENCY_SQL.hasDependents)).toEqual([
      'SEARCH task_dependencies USING COVERING INDEX task_dependencies_depends_on_idx (depends_on_id=?)',
    ]);
  });

  it('promoteMany reads the edges of the batch by the covering index, then each dependent by primary key', () => {
    expect(plan(DEPENDENCY_SQL.promoteMany)).toEqual([
      'MATERIALIZE done',
      'SEARCH task_dependencies USING COVERING INDEX task_dependencies_depends_on_idx (depends_on_id=?)',
      'LIST SUBQUERY 1',
      'SCAN json_each VIRTUAL TABLE INDEX 1:',
      // Sorts only the edges found (the batch's dependents), not the table.
      'USE TEMP B-TREE FOR GROUP BY',
      'SCAN done',
      'SEARCH tasks USING INTEGER PRIMARY KEY (rowid=?)',
    ]);
  });

  it('cancelChildren seeks the partial parent index', () => {
    expect(plan(DEPENDENCY_SQL.cancelChildren)).toEqual([
      'SEARCH tasks USING INDEX tasks_parent_idx (parent_id=?)',
    ]);
  });

  it.each(
    Object.keys(DEPENDENCY_SQL) as Array<keyof typeof DEPENDENCY_SQL>,
  )('%s never scans tasks or task_dependencies', (name) => {
    const details = plan(DEPENDENCY_SQL[name]);
    // `edge` is task_dependencies under its alias in the UPDATE ... FROM statements.
    expect(details.some((detail) => /^SCAN (tasks|task_dependencies|edge)\b/.test(detail))).toBe(false);
    for (const detail of details.filter((line) => /\b(tasks|task_dependencies|edge)\b/.test(line))) {
      expect(detail).toMatch(/^SEARCH (tasks|task_dependencies|edge) USING /);
    }
  });
});
