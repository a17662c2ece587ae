import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// NOTE: packages/queue/README.md ("Schema" and "Locks") describes this table; keep both in sync.

/** The `locks` table: named locks with an owner and an expiry (e.g. the `training` lock). */
export const locks = sqliteTable('locks', {
  name: text('name').primaryKey(),
  owner: text('owner').notNull(),
  acquiredAt: integer('acquired_at').notNull(),
  /** Epoch milliseconds after which the lock is free; NULL never expires. */
  expiresAt: integer('expires_at'),
});

/** A `locks` row as stored (times in epoch milliseconds). */
export type LockRow = typeof locks.$inferSelect;
