import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// NOTE: packages/queue/README.md ("Messaging") describes these tables and their queries; keep both in sync.

/**
 * The `messages` table: direct messages (`kind = 'direct'`, `recipient` set), broadcasts (`kind =
 * 'broadcast'`, `recipient` null, one row however many agents read it) and channel notes (`kind = 'note'`).
 * `read_at` is the read time of a direct message; who has read a broadcast lives in `message_reads`.
 */
export const messages = sqliteTable(
  'messages',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    kind: text('kind', { enum: ['direct', 'broadcast', 'note'] }).notNull(),
    /** `fleet`, `sup`, `agent`, `pool`, or a named notes channel. */
    channel: text('channel').notNull(),
    sender: text('sender').notNull(),
    /** The agent of a direct message; null for broadcasts and notes. */
    recipient: text('recipient'),
    /** A JSON object, as text (at most `[queue] max_payload_bytes`). */
    body: text('body').notNull(),
    /** Epoch ms. */
    createdAt: integer('created_at').notNull(),
    /** Epoch ms when the recipient read a direct message; null otherwise. */
    readAt: integer('read_at'),
  },
  (table) => [
    check('messages_kind_valid', sql`${table.kind} IN ('direct', 'broadcast', 'note')`),
    check('messages_recipient_valid', sql`(${table.kind} = 'direct') = (${table.recipient} IS NOT NULL)`),
    // Inbox: unread direct messages of one agent, oldest first (a seek on recipient, read_at IS NULL).
    index('messages_inbox_idx')
      .on(table.recipient, table.readAt, table.id)
      .where(sql`${table.recipient} IS NOT NULL`),
    // Notes and channel listings: one channel by time.
    index('messages_channel_idx').on(table.channel, table.createdAt),
    // Broadcasts for the inbox (few rows: operator actions such as pause/resume).
    index('messages_broadcast_idx')
      .on(table.id)
      .where(sql`${table.kind} = 'broadcast'`),
  ],
);

/**
 * The `message_reads` table: one row per (agent, broadcast) the agent has read. Its primary key makes the
 * "has this agent read it" probe of an inbox read an index-only lookup.
 */
export const messageReads = sqliteTable(
  'message_reads',
  {
    agent: text('agent').notNull(),
    messageId: integer('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    /** Epoch ms. */
    readAt: integer('read_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.agent, table.messageId] })],
);

/** A `messages` row as stored (times in epoch milliseconds). */
export type MessageRow = typeof messages.$inferSelect;
/** A `message_reads` row as stored. */
export type MessageReadRow = typeof messageReads.$inferSelect;
