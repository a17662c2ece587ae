import type Database from 'better-sqlite3';

// NOTE: packages/queue/README.md ("Dependencies") and docs/architecture.md ("Queue semantics") explain
// these statements; dependency-sql.test.ts checks their plans. Keep all three in sync.
//
// Whatever makes a task DONE must promote its dependents in the same transaction (`completed` /
// `completedMany`), and whatever ends it FAILED, SKIPPED or CANCELLED must call `ended` / `cancelled`:
// `blocked_count` is only right if every such transition is counted exactly once.
//
// Every statement here starts from one task id and reaches its dependents through
// `task_dependencies_depends_on_idx (depends_on_id, task_id)` (covering) and then each dependent's row by
// primary key, so its cost grows with that task's own dependents, never with the size of the queue.

/** Statuses of a dependency that still block its dependents. */
export const OPEN_STATUSES = ['PENDING', 'RUNNING', 'BLOCKED', 'WAITING_HUMAN'] as const;

/** Dependents of `@id`, by the covering index. */
const DEPENDENTS = 'SELECT task_id FROM task_dependencies WHERE depends_on_id = @id';
/**
 * The join of the UPDATEs below: `@id`'s edges by the covering index, then each dependent by primary key
 * (an UPDATE ... FROM, cheaper than `id IN (subquery)`, which builds a temporary list first). Each
 * (task_id, depends_on_id) pair is the primary key, so a dependent matches one edge at most.
 */
const FROM_EDGES = `FROM task_dependencies AS edge
    WHERE edge.depends_on_id = @id AND tasks.id = edge.task_id AND tasks.status = 'BLOCKED'`;

/** The statements behind dependencies, by name (exported for `EXPLAIN QUERY PLAN` tests and benches). */
export const DEPENDENCY_SQL = {
  /** Which of a JSON array of ids exist, and their status (one primary-key lookup each). */
  statuses: 'SELECT id, status FROM tasks WHERE id IN (SELECT value FROM json_each(@ids))',
  /** The edges of a new task, from a JSON array of dependency ids. */
  insertEdges: `INSERT INTO task_dependencies (task_id, depends_on_id)
    SELECT @taskId, value FROM json_each(@ids)`,
  /** Whether `@id` has dependents at all: completing a task nobody waits for costs only this seek. */
  hasDependents: 'SELECT 1 FROM task_dependencies WHERE depends_on_id = @id LIMIT 1',
  /**
   * `@id` became DONE: each BLOCKED dependent has one open dependency less; the last one makes it
   * PENDING (SET reads the old `blocked_count`), which puts it in the claim indexes.
   */
  promote: `UPDATE tasks SET blocked_count = blocked_count - 1,
      status = CASE WHEN blocked_count <= 1 THEN 'PENDING' ELSE 'BLOCKED' END
    ${FROM_EDGES}`,
  /**
   * The same for a JSON array of tasks that became DONE together (a `settle` batch): one statement per
   * batch instead of one per task. A dependent that waits for several of them loses that many.
   */
  promoteMany: `UPDATE tasks SET blocked_count = blocked_count - done.count,
      status = CASE WHEN blocked_count <= done.count THEN 'PENDING' ELSE 'BLOCKED' END
    FROM (SELECT task_id, count(*) AS count FROM task_dependencies
          WHERE depends_on_id IN (SELECT value FROM json_each(@ids)) GROUP BY task_id) AS done
    WHERE tasks.id = done.task_id AND tasks.status = 'BLOCKED'`,
  /** `@id` ended without DONE: its BLOCKED dependents end by their policy, with `@reason` as error. */
  endDependents: `UPDATE tasks SET
      status = CASE on_dependency_failure WHEN 'skip' THEN 'SKIPPED' ELSE 'FAILED' END,
      error = @reason, blocked_count = 0, finished_at = @now
    ${FROM_EDGES}
    RETURNING tasks.id AS id, tasks.status AS status`,
  /** `@id` was cancelled: its BLOCKED dependents are cancelled too. */
  cancelDependents: `UPDATE tasks SET status = 'CANCELLED', error = @reason, blocked_count = 0,
      finished_at = @now
    ${FROM_EDGES}
    RETURNING tasks.id AS id`,
  /** `@id` was cancelled: its open children (by `tasks_parent_idx`) are cancelled too. */
  cancelChildren: `UPDATE tasks SET status = 'CANCELLED', error = @reason, blocked_count = 0,
      finished_at = @now
    WHERE parent_id = @id AND status IN (${OPEN_STATUSES.map((status) => `'${status}'`).join(', ')})
    RETURNING id`,
  /** What a task waits for. */
  dependsOn: 'SELECT depends_on_id FROM task_dependencies WHERE task_id = @id ORDER BY depends_on_id',
  /** What waits for a task. */
  dependents: `${DEPENDENTS} ORDER BY task_id`,
} as const;

/** A status a task ends in without being DONE. */
export type UnsuccessfulStatus = 'FAILED' | 'SKIPPED' | 'CANCELLED';

/** The error recorded on a task that ended because of dependency `taskId`: `dependency 12 failed`. */
export function dependencyReason(taskId: number, status: UnsuccessfulStatus): string {
  return `dependency ${taskId} ${status.toLowerCase()}`;
}

/** The dependency-graph updates that run inside the caller's write transaction. */
export interface DependencyGraph {
  /** Inserts the edges of a new task. */
  link(taskId: number, dependsOn: readonly number[]): void;
  /** After `taskId` became DONE: promotes its dependents (see `DEPENDENCY_SQL.promote`). */
  completed(taskId: number): void;
  /** After all of `taskIds` became DONE in this transaction: the same in one statement. */
  completedMany(taskIds: readonly number[]): void;
  /**
   * After `taskId` ended FAILED or SKIPPED: its BLOCKED dependents fail or skip by their policy, and so
   * on downstream. Returns how many tasks it ended.
   */
  ended(taskId: number, status: 'FAILED' | 'SKIPPED', now: number): number;
  /**
   * After `taskId` was cancelled: cancels its open children and BLOCKED dependents, and theirs, and so
   * on. Returns how many tasks it cancelled.
   */
  cancelled(taskId: number, now: number): number;
}

/** Prepares the dependency statements on `sqlite`. */
export function createDependencyGraph(sqlite: Database.Database): DependencyGraph {
  const statements = {
    insertEdges: sqlite.prepare(DEPENDENCY_SQL.insertEdges),
    hasDependents: sqlite.prepare(DEPENDENCY_SQL.hasDependents).pluck(),
    promote: sqlite.prepare(DEPENDENCY_SQL.promote),
    promoteMany: sqlite.prepare(DEPENDENCY_SQL.promoteMany),
    endDependents: sqlite.prepare(DEPENDENCY_SQL.endDependents),
    cancelDependents: sqlite.prepare(DEPENDENCY_SQL.cancelDependents).pluck(),
    cancelChildren: sqlite.prepare(DEPENDENCY_SQL.cancelChildren).pluck(),
  };
  const completed = (taskId: number): void => {
    if (statements.hasDependents.get({ id: taskId }) !== undefined) statements.promote.run({ id: taskId });
  };
  return {
    link(taskId, dependsOn) {
      if (dependsOn.length > 0) statements.insertEdges.run({ taskId, ids: JSON.stringify(dependsOn) });
    },
    completed,
    completedMany(taskIds) {
      if (taskIds.length === 1) completed(taskIds[0] as number);
      else if (taskIds.length > 1) statements.promoteMany.run({ ids: JSON.stringify(taskIds) });
    },
    ended(taskId, status, now) {
      // A work list rather than a recursive CTE: each step is one indexed UPDATE, and each dependent
      // records the dependency it ended through. Every task ends once (the UPDATE needs BLOCKED).
      const pending: Array<[number, 'FAILED' | 'SKIPPED']> = [[taskId, status]];
      let count = 0;
      for (let next = pending.pop(); next; next = pending.pop()) {
        const [id, endedAs] = next;
        const rows = statements.endDependents.all({
          id,
          reason: dependencyReason(id, endedAs),
          now,
        }) as Array<{
          id: number;
          status: 'FAILED' | 'SKIPPED';
        }>;
        count += rows.length;
        for (const row of rows) pending.push([row.id, row.status]);
      }
      return count;
    },
    cancelled(taskId, now) {
      const pending = [taskId];
      let count = 0;
      for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
        const children = statements.cancelChildren.all({
          id,
          reason: `parent ${id} cancelled`,
          now,
        }) as number[];
        const dependents = statements.cancelDependents.all({
          id,
          reason: dependencyReason(id, 'CANCELLED'),
          now,
        }) as number[];
        count += children.length + dependents.length;
        pending.push(...children, ...dependents);
      }
      return count;
    },
  };
}
