import { sql } from 'drizzle-orm';
import { check, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// NOTE: packages/queue/README.md ("Schedules") describes these tables; keep both in sync.

/**
 * The `schedules` table: recurring tasks (cron). Rows come from `[[schedules]]` in fleet.toml (`source =
 * 'config'`, synced by the supervisor) or from `biged schedule add` (`source = 'cli'`).
 */
export const schedules = sqliteTable(
  'schedules',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    name: text('name').notNull().unique(),
    /** A cron expression (5 or 6 fields). */
    cron: text('cron').notNull(),
    /** IANA time zone the expression is read in; null: UTC. */
    timezone: text('timezone'),
    skill: text('skill').notNull(),
    payloadJson: text('payload_json').notNull().default('{}'),
    priority: integer('priority').notNull().default(5),
    /** Missed due times while the fleet was down: `skip` them, or run `once` for all of them. */
    catchUp: text('catch_up', { enum: ['skip', 'once'] })
      .notNull()
      .default('skip'),
    enabled: integer('enabled', { mode: 'boolean' }).notNull().default(true),
    source: text('source', { enum: ['config', 'cli'] }).notNull(),
    /** The last due time (epoch ms) that was enqueued or skipped; null: none yet (the first due time after created_at). */
    lastDueAt: integer('last_due_at'),
    /** Epoch ms. */
    createdAt: integer('created_at').notNull(),
  },
  (table) => [
    check('schedules_catch_up_valid', sql`${table.catchUp} IN ('skip', 'once')`),
    check('schedules_source_valid', sql`${table.source} IN ('config', 'cli')`),
  ],
);

/**
 * The `schedule_fires` table: one row per (schedule, due time) enqueued. Its primary key is what makes a
 * due time fire exactly once when several supervisors share one queue (`INSERT ... ON CONFLICT DO NOTHING`).
 */
export const scheduleFires = sqliteTable(
  'schedule_fires',
  {
    scheduleId: integer('schedule_id')
      .notNull()
      .references(() => schedules.id, { onDelete: 'cascade' }),
    /** The due time (epoch ms). */
    dueAt: integer('due_at').notNull(),
    /** The task enqueued for it. No foreign key: tasks may be pruned. */
    taskId: integer('task_id'),
    /** Which supervisor fired it. */
    firedBy: text('fired_by').notNull(),
    /** Epoch ms. */
    firedAt: integer('fired_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.scheduleId, table.dueAt] })],
);

/** A `schedules` row as stored. */
export type ScheduleRow = typeof schedules.$inferSelect;
/** A `schedule_fires` row as stored. */
export type ScheduleFireRow = typeof scheduleFires.$inferSelect;
