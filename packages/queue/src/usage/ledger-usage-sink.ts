import { setTimeout as sleep } from 'node:timers/promises';
import type { FleetConfig, UsageEntry as RouterUsageEntry, UsageReservation, UsageSink } from '@biged/core';
import { estimateCostUsd } from './prices';
import type { Budget, UsageLedger } from './usage-ledger';

/** Calls made without a skill (e.g. the conductor) are booked under this name. */
export const NO_SKILL = '(none)';

/** Every `[budgets]` skill with its limit, period and enforcement, sorted by skill. */
export function budgetsFromConfig(config: FleetConfig): Array<{ skill: string; budget: Budget }> {
  const { period, enforcement, ...limits } = config.budgets;
  return Object.entries(limits)
    .filter((entry): entry is [string, number] => typeof entry[1] === 'number')
    .sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0))
    .map(([skill, limitUsd]) => ({ skill, budget: { limitUsd, period, enforcement } }));
}

/** Options for `createLedgerUsageSink`. */
export interface CreateLedgerUsageSinkOptions {
  ledger: UsageLedger;
  /** Its `[budgets]` section sets the per-skill limits. */
  config: FleetConfig;
  /** Waits out a throttling budget's delay. Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * What the ledger sink's `record` takes: the router's entry, plus the call's energy when the caller
 * measured it (the fleet's workers wrap the sink and add it for local calls).
 */
export interface LedgerUsageEntry extends RouterUsageEntry {
  /** Watt-hours the call drew; stored in the ledger's `energy_wh`. Default null: unknown. */
  energyWh?: number | null;
}

/** The router's `UsageSink` backed by the ledger; `record` also takes `energyWh`. */
export interface LedgerUsageSink extends UsageSink {
  record(entry: LedgerUsageEntry): void;
}

interface LedgerReservation {
  reservationId: number;
}

const isLedgerReservation = (value: unknown): value is LedgerReservation =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as LedgerReservation).reservationId === 'number';

/**
 * The router's `UsageSink` backed by the ledger. Before a call of a skill with a `[budgets]` limit it
 * reserves the estimated cost (refusing with `QUEUE_BUDGET_EXCEEDED` under `block`, waiting under
 * `throttle`); after the call it settles the reservation with the real tokens and cost, or records a plain
 * row for calls without a budget. Failed calls are recorded too (their cost is what the provider billed).
 * An entry's `energyWh`, when a wrapper measured it, is stored with the call.
 */
export function createLedgerUsageSink({
  ledger,
  config,
  sleep: wait = (ms) => sleep(ms),
}: CreateLedgerUsageSinkOptions): LedgerUsageSink {
  const budgets = new Map(budgetsFromConfig(config).map(({ skill, budget }) => [skill, budget]));
  return {
    async reserve(request: UsageReservation): Promise<LedgerReservation | undefined> {
      const budget = request.skill === undefined ? undefined : budgets.get(request.skill);
      if (!budget || request.skill === undefined) return undefined;
      const { costUsd } = estimateCostUsd({
        provider: request.provider,
        model: request.model,
        inputTokens: request.estimatedInputTokens,
        outputTokens: request.estimatedOutputTokens,
      });
      const reservation = ledger.reserveBudget({
        skill: request.skill,
        agent: request.agent ?? null,
        provider: request.provider,
        model: request.model,
        estimatedUsd: costUsd,
        budget,
      });
      if (reservation.throttleMs) await wait(reservation.throttleMs);
      return { reservationId: reservation.reservationId };
    },
    record(entry: LedgerUsageEntry): void {
      const result = {
        inputTokens: entry.inputTokens,
        outputTokens: entry.outputTokens,
        cachedTokens: entry.cachedTokens,
        latencyMs: entry.latencyMs,
        ok: entry.ok,
        error: entry.error
          ? `${entry.error.code ? `${entry.error.code}: ` : ''}${entry.error.message}`
          : null,
        energyWh: entry.energyWh ?? null,
      };
      if (isLedgerReservation(entry.reservation)) {
        ledger.settleUsage(entry.reservation.reservationId, result);
        return;
      }
      ledger.recordUsage({
        skill: entry.skill ?? NO_SKILL,
        agent: entry.agent ?? null,
        provider: entry.provider,
        model: entry.model,
        ...result,
      });
    },
  };
}
