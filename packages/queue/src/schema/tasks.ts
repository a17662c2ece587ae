import { sql } from 'drizzle-orm';
import { type AnySQLiteColumn, check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

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
    idempotencyKey: text('idempotency_key').unique('tasks_idempotency_key_unique'),
    createdAt: integer('created_at').notNull(),
    claimedAt: integer('claimed_at'),
    heartbeatAt: integer('heartbeat_at'),
    finishedAt: integer('finished_at'),
  },
  (table) => [
    // The claim scan: PENDING rows in exactly the claim order, so `ORDER BY priority DESC, id LIMIT 1`
    // reads the first matching index entry instead of sorting.
    index('tasks_claim_idx').on(table.status, sql`${table.priority} DESC`, table.id),
    // Claim restricted to a skill list or a preferred list: one seek per skill lands on the best
    // unassigned row of that skill.
    index('tasks_skill_claim_idx').on(
      table.status,
      table.skill,
      table.assignedTo,
      sql`${table.priority} DESC`,
      table.id,
    ),
    // Tasks assigned to one agent (or, with `assigned_to IS NULL`, to nobody), already in claim order.
    index('tasks_assigned_idx').on(table.assignedTo, table.status, sql`${table.priority} DESC`, table.id),
    // Stale recovery and requeue of a dead agent's RUNNING tasks.
    index('tasks_claimed_by_idx').on(table.claimedBy, table.status),
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
