import type { TaskStatus } from '@biged/core';
import { sql } from 'drizzle-orm';
import {
  type AnySQLiteColumn,
  check,
  index,
  integer,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

// NOTE: packages/queue/README.md ("Schema" and "How claim works") describes these columns and indexes;
// keep both in sync. Times are integer milliseconds since the epoch; the API exposes ISO strings.

/** The statuses the `status` column accepts: core's `TASK_STATUSES` (kept literal: the schema is the source of migrations). */
const TASK_STATUS_VALUES = [
  'PENDING',
  'RUNNING',
  'DONE',
  'FAILED',
  'CANCELLED',
  'WAITING_HUMAN',
  'BLOCKED',
  'SKIPPED',
] as const satisfies readonly TaskStatus[];

/**
 * The `tasks` table: one row per unit of work. Column properties are camelCase so that raw SQL
 * (`RETURNING ... AS payloadJson`) and Drizzle queries produce the same row shape.
 */
export const tasks = sqliteTable(
  'tasks',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    skill: text('skill').notNull(),
    payloadJson: text('payload_json').notNull(),
    priority: integer('priority').notNull().default(5),
    status: text('status', { enum: TASK_STATUS_VALUES }).notNull().default('PENDING'),
    assignedTo: text('assigned_to'),
    claimedBy: text('claimed_by'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(3),
    timeoutMs: integer('timeout_ms').notNull().default(600_000),
    resultJson: text('result_json'),
    error: text('error'),
    parentId: integer('parent_id').references((): AnySQLiteColumn => tasks.id, { onDelete: 'set null' }),
    idempotencyKey: text('idempotency_key'),
    /**
     * Until when (epoch ms) a submit with the same key returns this task (`debounceMs`); NULL: for ever.
     */
    idempotencyExpiresAt: integer('idempotency_expires_at'),
    /** When a newer task took this task's key over (its window had passed); NULL while it holds the key. */
    idempotencyReleasedAt: integer('idempotency_released_at'),
    /** Dependencies not yet DONE. A BLOCKED task becomes PENDING when this reaches 0. */
    blockedCount: integer('blocked_count').notNull().default(0),
    /** What a dependency that ends without DONE does to this task: `fail` (FAILED) or `skip` (SKIPPED). */
    onDependencyFailure: text('on_dependency_failure', { enum: ['fail', 'skip'] })
      .notNull()
      .default('fail'),
    createdAt: integer('created_at').notNull(),
    claimedAt: integer('claimed_at'),
    heartbeatAt: integer('heartbeat_at'),
    finishedAt: integer('finished_at'),
  },
  (table) => [
    // Indexes are partial: a task has entries only while it is PENDING or RUNNING, so finished tasks
    // (the bulk of the table) cost nothing to keep and every state change touches as few pages as
    // possible. Each claim/recovery statement repeats the index's WHERE so the planner can use it; the
    // WHERE names columns unqualified so that it also matches queries that alias the table.
    // The claim scan over unassigned PENDING tasks, in claim order: the first entry is the answer.
    index('tasks_pending_idx')
      .on(sql`${table.priority} DESC`, table.id)
      .where(sql.raw(`status = 'PENDING' AND assigned_to IS NULL`)),
    // Claim restricted to a skill list or a preferred list: one seek per skill.
    index('tasks_pending_skill_idx')
      .on(table.skill, sql`${table.priority} DESC`, table.id)
      .where(sql.raw(`status = 'PENDING' AND assigned_to IS NULL`)),
    // PENDING tasks assigned to one agent, in claim order.
    index('tasks_assigned_idx')
      .on(table.assignedTo, sql`${table.priority} DESC`, table.id)
      .where(sql.raw(`status = 'PENDING' AND assigned_to IS NOT NULL`)),
    // Requeue of a dead agent's RUNNING tasks, and stale recovery.
    index('tasks_running_idx')
      .on(table.claimedBy, table.heartbeatAt)
      .where(sql.raw(`status = 'RUNNING'`)),
    // Idempotent submit; most tasks have no key, and they get no entry. A task whose debounce window
    // passed gives its key up (idempotency_released_at) to the newer task, so only holders are unique.
    uniqueIndex('tasks_idempotency_key_unique')
      .on(table.idempotencyKey)
      .where(sql.raw('idempotency_key IS NOT NULL AND idempotency_released_at IS NULL')),
    // Cancel cascades to open children. Status is neither a column nor in the WHERE of this index, so
    // claims and completions never write it; tasks without a parent have no entry.
    index('tasks_parent_idx')
      .on(table.parentId)
      .where(sql.raw('parent_id IS NOT NULL')),
    // No index on status alone: every state change would rewrite its entries, and without statistics
    // the planner picked it over the partial claim index (4x slower claims). counts() scans instead.
    check('tasks_priority_range', sql`${table.priority} BETWEEN 1 AND 10`),
    // An OR chain, not `status IN (...)`: SQLite evaluates an IN list of more than two constants through a
    // temporary b-tree that it builds afresh on every execution of every statement that changes status,
    // claims and completions included. The chain costs nothing of the kind: claim + complete measured
    // ~13 % less CPU per task (docs/performance.md, "Task dependencies").
    check(
      'tasks_status_valid',
      sql.join(
        TASK_STATUS_VALUES.map((status) => sql`${table.status} = ${sql.raw(`'${status}'`)}`),
        sql` OR `,
      ),
    ),
    check('tasks_on_dependency_failure_valid', sql`${table.onDependencyFailure} IN ('fail', 'skip')`),
    check('tasks_blocked_count_valid', sql`${table.blockedCount} >= 0`),
    check('tasks_attempts_valid', sql`${table.attempts} >= 0 AND ${table.maxAttempts} >= 1`),
  ],
);

/** A `tasks` row as stored (JSON columns still text, times in epoch milliseconds). */
export type TaskRow = typeof tasks.$inferSelect;
