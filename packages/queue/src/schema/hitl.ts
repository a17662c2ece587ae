import { sql } from 'drizzle-orm';
import { check, index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { tasks } from './tasks';

// NOTE: packages/queue/README.md ("Human in the loop") describes this table; keep both in sync.

/** The answers an operator can give a request (the manual's five response types) plus `open`. */
export const HITL_STATUS_VALUES = [
  'open',
  'approved',
  'rejected',
  'more_info',
  'feedback',
  'discuss',
] as const;

/**
 * The `hitl_requests` table: one row per question a skill asked a human (`ctx.queue.askHuman`). While a
 * request is `open` its task waits in WAITING_HUMAN; an answer records who answered, what, and the task it
 * spawned (`more_info` -> research_loop, `discuss` -> code_discuss).
 */
export const hitlRequests = sqliteTable(
  'hitl_requests',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    taskId: integer('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    /** The agent that asked. */
    agent: text('agent').notNull(),
    question: text('question').notNull(),
    /** JSON object with whatever the skill wants the human to see (a diff, a plan, ...); null if none. */
    contextJson: text('context_json'),
    status: text('status', { enum: HITL_STATUS_VALUES }).notNull().default('open'),
    /** The human's words (reason, feedback, question); null until answered. */
    response: text('response'),
    /** Who answered (`cli:<user>`, `dashboard`, `ui`). */
    responder: text('responder'),
    /** The task an answer spawned (research_loop for more_info, code_discuss for discuss). */
    followUpTaskId: integer('follow_up_task_id'),
    /** Pinned in the launcher's Fleet Comm tab. */
    pinned: integer('pinned', { mode: 'boolean' }).notNull().default(false),
    /** Epoch ms. */
    createdAt: integer('created_at').notNull(),
    /** Epoch ms; null while open. */
    answeredAt: integer('answered_at'),
  },
  (table) => [
    check(
      'hitl_requests_status_valid',
      sql.join(
        HITL_STATUS_VALUES.map((status) => sql`${table.status} = ${sql.raw(`'${status}'`)}`),
        sql` OR `,
      ),
    ),
    index('hitl_requests_open_idx').on(table.createdAt).where(sql.raw(`status = 'open'`)),
    index('hitl_requests_task_idx').on(table.taskId),
  ],
);

/** A `hitl_requests` row as stored (times in epoch milliseconds). */
export type HitlRequestRow = typeof hitlRequests.$inferSelect;
