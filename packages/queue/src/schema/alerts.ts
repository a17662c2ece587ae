import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// NOTE: packages/queue/README.md ("Schema" and "Alerts") describes this table; keep both in sync.

/**
 * The `alerts` table: one row per raised alert (thermal, budget, worker crash loops, ...). An alert is
 * active until `acknowledged_at` is set; rows are never deleted by the queue.
 */
export const alerts = sqliteTable(
  'alerts',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** What kind of alert, e.g. `thermal`, `budget`, `worker_crash` (lowercase, like skill names). */
    type: text('type').notNull(),
    severity: text('severity', { enum: ['info', 'warning', 'critical'] }).notNull(),
    message: text('message').notNull(),
    /** Who raised it, e.g. `hw-monitor`, `supervisor`, an agent name. */
    source: text('source').notNull(),
    /** Epoch ms. */
    createdAt: integer('created_at').notNull(),
    /** Epoch ms, or null while the alert is active. */
    acknowledgedAt: integer('acknowledged_at'),
  },
  (table) => [
    check('alerts_severity_valid', sql`${table.severity} IN ('info', 'warning', 'critical')`),
    index('alerts_active_idx').on(table.createdAt).where(sql`${table.acknowledgedAt} IS NULL`),
  ],
);

/** An `alerts` row as stored (times in epoch milliseconds). */
export type AlertRow = typeof alerts.$inferSelect;
