import { sql } from 'drizzle-orm';
import { check, index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

// NOTE: packages/queue/README.md ("Schema" and "Usage ledger and budgets") describes this table and the
// budget query in src/usage/create-usage-ledger.ts; keep all three in sync. Money is stored as integer
// micro-dollars (1 USD = 1_000_000) so that sums never drift; the API converts to USD numbers.

/**
 * The `usage` table: one row per model call. A budgeted call starts as a RESERVED row holding the
 * estimated cost (`reserved_micro_usd`); `settleUsage` turns it into the real call (SETTLED, tokens and
 * `cost_micro_usd`), `releaseReservation` marks a call that never happened (RELEASED). Calls without a
 * budget are inserted SETTLED directly.
 */
export const usage = sqliteTable(
  'usage',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** When the call was reserved (or recorded), epoch ms; the period windows are over this column. */
    createdAt: integer('created_at').notNull(),
    /** When the reservation was settled or released, epoch ms. */
    settledAt: integer('settled_at'),
    skill: text('skill').notNull(),
    agent: text('agent'),
    provider: text('provider').notNull(),
    model: text('model').notNull(),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    cachedTokens: integer('cached_tokens').notNull().default(0),
    /** The real cost in micro-dollars (0 while RESERVED or RELEASED). */
    costMicroUsd: integer('cost_micro_usd').notNull().default(0),
    /** What the cached input tokens saved against the full input price, in micro-dollars. */
    cacheSavingsMicroUsd: integer('cache_savings_micro_usd').notNull().default(0),
    /** 0 when the price table did not know the model (the cost is then 0, not a guess). */
    priceKnown: integer('price_known', { mode: 'boolean' }).notNull().default(true),
    latencyMs: integer('latency_ms'),
    ok: integer('ok', { mode: 'boolean' }),
    error: text('error'),
    status: text('status', { enum: ['RESERVED', 'SETTLED', 'RELEASED'] })
      .notNull()
      .default('SETTLED'),
    /** The estimated cost held by the reservation, in micro-dollars (kept after settling, for audits). */
    reservedMicroUsd: integer('reserved_micro_usd').notNull().default(0),
    /**
     * Watt-hours the call drew, measured from the GPU's power draw (local calls while the hardware monitor
     * runs); null when unknown (external providers, no monitor, no power reading). Added by 0003_usage_energy.
     */
    energyWh: real('energy_wh'),
  },
  (table) => [
    // Summaries and deltas over a time range.
    index('usage_created_at_idx').on(table.createdAt),
    // The budget check: one skill's rows in the current period window.
    index('usage_skill_created_at_idx').on(table.skill, table.createdAt),
    check('usage_status_valid', sql`${table.status} IN ('RESERVED', 'SETTLED', 'RELEASED')`),
    check(
      'usage_amounts_valid',
      sql`${table.costMicroUsd} >= 0 AND ${table.reservedMicroUsd} >= 0 AND ${table.inputTokens} >= 0 AND ${table.outputTokens} >= 0 AND ${table.cachedTokens} >= 0`,
    ),
  ],
);

/** A `usage` row as stored (money in micro-dollars, times in epoch milliseconds). */
export type UsageRow = typeof usage.$inferSelect;
