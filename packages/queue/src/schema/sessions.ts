import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// NOTE: packages/queue/README.md ("Marathon sessions") describes these tables; keep both in sync.

/** The `sessions` table: long-running "marathon" work sessions (`biged marathon [session]`). */
export const sessions = sqliteTable(
  'sessions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull().unique(),
    status: text('status', { enum: ['active', 'ended'] })
      .notNull()
      .default('active'),
    /** Free-form JSON object (goal, owner, notes). */
    metaJson: text('meta_json').notNull().default('{}'),
    /** Epoch ms. */
    startedAt: integer('started_at').notNull(),
    /** Epoch ms; null while active. */
    endedAt: integer('ended_at'),
  },
  (table) => [check('sessions_status_valid', sql`${table.status} IN ('active', 'ended')`)],
);

/** The `snapshots` table: point-in-time snapshots of a session (fleet counts, progress, checkpoint files). */
export const snapshots = sqliteTable(
  'snapshots',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    sessionId: integer('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    label: text('label'),
    /** JSON object. */
    dataJson: text('data_json').notNull(),
    /** Epoch ms. */
    createdAt: integer('created_at').notNull(),
  },
  (table) => [index('snapshots_session_idx').on(table.sessionId, table.createdAt)],
);

/** A `sessions` row as stored. */
export type SessionRow = typeof sessions.$inferSelect;
/** A `snapshots` row as stored. */
export type SnapshotRow = typeof snapshots.$inferSelect;
