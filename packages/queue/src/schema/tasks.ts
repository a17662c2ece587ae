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
    status: text('status', {
      enum: ['PENDING', 'RUNNING', 'DONE', 'FAILED', 'CANCELLED', 'WAITING_HUMAN'],
    })
      .notNull()
      .default('PENDING'),
    assignedTo: text('assigned_to'),
    claimedBy: text('claimed_by'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(3),
    timeoutMs: integer('timeout_ms').notNull().default(600_000),
    resultJson: text('result_json'),
    error: text('error'),
    parentId: integer('parent_id').references((): AnySQLiteColumn => tasks.id, { onDelete: 'set null' }),
    idempotencyKey: text('idempotency_key'),
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
    // Idempotent enqueue; most tasks have no key, and they get no entry.
    uniqueIndex('tasks_idempotency_key_unique')
      .on(table.idempotencyKey)
      .where(sql.raw('idempotency_key IS NOT NULL')),
    // No index on status alone: every state change would rewrite its entries, and without statistics
    // the planner picked it over the partial claim index (4x slower claims). counts() scans instead.
    check('tasks_priority_range', sql`${table.priority} BETWEEN 1 AND 10`),
    check(
      'tasks_status_valid',
      sql`${table.status} IN ('PENDING', 'RUNNING', 'DONE', 'FAILED', 'CANCELLED', 'WAITING_HUMAN')`,
    ),
    check('tasks_attempts_valid', sql`${table.attempts} >= 0 AND ${table.maxAttempts} >= 1`),
  ],
);

/** A `tasks` row as stored (JSON columns still text, times in epoch milliseconds). */
export type TaskRow = typeof tasks.$inferSelect;
