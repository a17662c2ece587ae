import { sql } from 'drizzle-orm';
import { check, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// NOTE: packages/queue/README.md ("Schema") describes this table; keep both in sync.

/** The `agents` table: one row per worker process name, upserted when the supervisor starts it. */
export const agents = sqliteTable(
  'agents',
  {
    name: text('name').primaryKey(),
    role: text('role').notNull(),
    status: text('status', { enum: ['STARTING', 'IDLE', 'BUSY', 'OFFLINE', 'STOPPING'] })
      .notNull()
      .default('STARTING'),
    pid: integer('pid'),
    host: text('host').notNull(),
    lastHeartbeat: integer('last_heartbeat'),
    // No foreign key: an agent may report a task that was pruned meanwhile.
    currentTaskId: integer('current_task_id'),
    startedAt: integer('started_at'),
    restarts: integer('restarts').notNull().default(0),
  },
  (table) => [
    check('agents_status_valid', sql`${table.status} IN ('STARTING', 'IDLE', 'BUSY', 'OFFLINE', 'STOPPING')`),
  ],
);

/** An `agents` row as stored (times in epoch milliseconds). */
export type AgentRow = typeof agents.$inferSelect;
