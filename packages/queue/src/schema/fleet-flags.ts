import { integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// NOTE: packages/queue/README.md ("Schema" and "Stores") describes this table; keep both in sync.

/**
 * The `fleet_flags` table: fleet-wide switches every host reads, one row per flag that is set (a missing
 * row is an unset flag). `paused`: no worker on any host claims while the row exists.
 */
export const fleetFlags = sqliteTable('fleet_flags', {
  name: text('name').primaryKey(),
  /** Who set it: an agent, `cli`, `dashboard`. */
  setBy: text('set_by').notNull(),
  /** Epoch ms. */
  setAt: integer('set_at').notNull(),
});

/** A `fleet_flags` row (times in epoch milliseconds). */
export type FleetFlagRow = typeof fleetFlags.$inferSelect;
