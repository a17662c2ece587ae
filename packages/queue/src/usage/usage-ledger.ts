import type { TaskQueue } from '../task-queue';

// NOTE: packages/queue/README.md ("Usage ledger and budgets") documents these types; keep both in sync.

/** A budget period. Windows are in UTC, see `periodWindow`. */
export type BudgetPeriod = 'day' | 'week' | 'month';

/** What happens when a call would pass its budget. */
export type BudgetEnforcement = 'warn' | 'throttle' | 'block';

/** A time that the ledger accepts: a `Date` or epoch milliseconds. */
export type LedgerTime = Date | number;

/** One skill's budget, as `[budgets]` in fleet.toml gives it. */
export interface Budget {
  /** USD the skill may spend per period (0 or more). */
  limitUsd: number;
  /** The period the limit applies to. */
  period: BudgetPeriod;
  /**
   * `block`: a call that would pass the limit is refused (`QUEUE_BUDGET_EXCEEDED`); `throttle`: it is
   * reserved and the result carries `throttleMs` for the caller to wait; `warn`: it is reserved and the
   * result carries a `warning`.
   */
  enforcement: BudgetEnforcement;
}

/** What identifies a call in the ledger. */
export interface UsageCall {
  /** The skill the call was made for. */
  skill: string;
  /** The worker that made it. Default none. */
  agent?: string | null;
  /** The provider: `claude`/`anthropic`, `gemini`/`google`, `local`/`ollama`, ... */
  provider: string;
  /** The provider's model id. */
  model: string;
}

/** What `reserveBudget` takes. */
export interface ReserveBudgetRequest extends UsageCall {
  /** The estimated cost of the call in USD (e.g. from `estimateCostUsd` with the prompt size). */
  estimatedUsd: number;
  /** The skill's budget. */
  budget: Budget;
  /** The time of the call (picks the period window). Default: the ledger's clock. */
  now?: LedgerTime;
}

/** What `reserveBudget` returns: the call may go ahead. */
export interface BudgetReservation {
  /** Pass to `settleUsage` after the call, or to `releaseReservation` when it did not happen. */
  reservationId: number;
  /** The budget limit in USD. */
  limitUsd: number;
  /** Settled cost of the skill in the current window, before this call. */
  spentUsd: number;
  /** Open (not stale) reservations of the skill in the window, this one included. */
  reservedUsd: number;
  /** `limitUsd - spentUsd - reservedUsd`, never below 0. */
  remainingUsd: number;
  /** Start of the current window (ISO 8601). */
  windowStart: string;
  /** Start of the next window (ISO 8601), when the budget resets. */
  windowEnd: string;
  /** Set when the call passes the budget under `warn` or `throttle` enforcement. */
  warning?: string;
  /** Set under `throttle` enforcement when the call passes the budget: wait this long before calling. */
  throttleMs?: number;
}

/** What a finished call reports. Token counts default to 0. */
export interface UsageResult {
  /** All input tokens, cached ones included. */
  inputTokens?: number;
  /** Output tokens. */
  outputTokens?: number;
  /** The part of `inputTokens` read from the provider's prompt cache. */
  cachedTokens?: number;
  /** The real cost in USD. Default: computed from the price table (`estimateCostUsd`). */
  costUsd?: number;
  /** Wall time of the call in ms. */
  latencyMs?: number;
  /** Whether the call succeeded. */
  ok: boolean;
  /** The error message of a failed call. */
  error?: string | null;
  /**
   * Watt-hours the call drew (a finite number, 0 or more), e.g. the GPU's power draw over a local call.
   * Default null: unknown (external providers, no power reading).
   */
  energyWh?: number | null;
}

/** What `recordUsage` takes: a call made without a budget. */
export interface UsageEntry extends UsageCall, UsageResult {
  /** When the call was made. Default: the ledger's clock. */
  now?: LedgerTime;
}

/** Status of a ledger row. */
export type UsageStatus = 'RESERVED' | 'SETTLED' | 'RELEASED';

/** One ledger row as the API returns it (money in USD, times ISO 8601). */
export interface UsageRecord {
  id: number;
  createdAt: string;
  settledAt: string | null;
  skill: string;
  agent: string | null;
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costUsd: number;
  cacheSavingsUsd: number;
  /** False when the price table did not know the model (the cost is then 0). */
  priceKnown: boolean;
  latencyMs: number | null;
  ok: boolean | null;
  error: string | null;
  status: UsageStatus;
  /** The cost the reservation held (0 for calls recorded without a budget). */
  reservedUsd: number;
  /** Watt-hours the call drew, or null when unknown. */
  energyWh: number | null;
}

/** A time range: `from` inclusive, `to` exclusive. */
export interface UsageRange {
  from: LedgerTime;
  to: LedgerTime;
}

/** What the summary groups by. */
export type UsageGroupBy = 'skill' | 'provider' | 'model';

/** What `usageSummary` takes: a `period` (the current window) or a `from`/`to` range. */
export interface UsageSummaryOptions {
  /** The current day, week or month window (UTC). Default `day` when no range is given. */
  period?: BudgetPeriod;
  /** Start of the range (inclusive); with `to`, replaces `period`. */
  from?: LedgerTime;
  /** End of the range (exclusive). Default: now. */
  to?: LedgerTime;
  /** Default `skill`. */
  groupBy?: UsageGroupBy;
  /** "Now" for the period window. Default: the ledger's clock. */
  now?: LedgerTime;
}

/** Totals of settled calls (one group, or all of them). */
export interface UsageTotals {
  calls: number;
  /** Calls that reported `ok: false`. */
  failedCalls: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costUsd: number;
  cacheSavingsUsd: number;
  /** Calls whose model the price table did not know (counted at $0). */
  unpricedCalls: number;
  /** Watt-hours of the calls that know theirs (calls with an unknown energy add nothing). */
  energyWh: number;
  /** Calls with a known energy (`energyWh` counts only these). */
  meteredCalls: number;
}

/** One group of a summary. */
export interface UsageSummaryRow extends UsageTotals {
  /** The skill, provider or model. */
  key: string;
}

/** What `usageSummary` returns. Only SETTLED rows count: reservations are not calls yet. */
export interface UsageSummary {
  from: string;
  to: string;
  groupBy: UsageGroupBy;
  /** Most expensive first, then by key. */
  rows: UsageSummaryRow[];
  totals: UsageTotals;
}

/** One group of a delta. */
export interface UsageDeltaRow {
  key: string;
  from: UsageTotals;
  to: UsageTotals;
  /** `to.costUsd - from.costUsd`. */
  costDeltaUsd: number;
  /** Change of cost in percent of `from.costUsd`; null when `from` cost nothing. */
  costDeltaPercent: number | null;
  /** Change of calls in percent; null when `from` had none. */
  callsDeltaPercent: number | null;
}

/** What `usageDelta` returns. */
export interface UsageDelta {
  groupBy: UsageGroupBy;
  fromRange: { from: string; to: string };
  toRange: { from: string; to: string };
  rows: UsageDeltaRow[];
  totals: Omit<UsageDeltaRow, 'key'>;
}

/** What `budgetStatus` takes. */
export interface BudgetStatusRequest {
  skill: string;
  budget: Budget;
  now?: LedgerTime;
}

/** One skill's standing against its budget in the current window. */
export interface BudgetStatus {
  skill: string;
  limitUsd: number;
  period: BudgetPeriod;
  enforcement: BudgetEnforcement;
  spentUsd: number;
  reservedUsd: number;
  remainingUsd: number;
  /** `spentUsd + reservedUsd > limitUsd`. */
  exceeded: boolean;
  windowStart: string;
  windowEnd: string;
}

/** What `listUsage` takes. */
export interface ListUsageOptions {
  from?: LedgerTime;
  to?: LedgerTime;
  skill?: string;
  status?: UsageStatus;
  /** Default 100, at most 10000. */
  limit?: number;
}

/** Options of `createUsageLedger`. */
export interface CreateUsageLedgerOptions {
  /** The queue whose SQLite file (and connection) holds the ledger; made by `createQueue`. */
  queue: TaskQueue;
  /**
   * An open reservation older than this stops counting against its budget, so a worker that crashed
   * between `reserveBudget` and `settleUsage` does not block the budget forever. Default 600000 (10 min).
   */
  reservationTimeoutMs?: number;
  /** `throttleMs` returned under `throttle` enforcement. Default 5000. */
  throttleMs?: number;
}

/**
 * The usage ledger: one row per model call, and fail-closed budgets. All methods are synchronous and
 * write in `BEGIN IMMEDIATE` transactions, so reservations from several processes are serialised.
 */
export interface UsageLedger {
  /**
   * Reserves the estimated cost of a call against the skill's budget, in one write transaction:
   * sums settled cost and open reservations of the skill in the current window, then either inserts a
   * RESERVED row or, under `block` enforcement when the call would pass the limit, throws
   * `QueueError('QUEUE_BUDGET_EXCEEDED')` without inserting anything. Any other error (e.g.
   * `QUEUE_DB_LOCKED`) also means: do not make the call.
   */
  reserveBudget(request: ReserveBudgetRequest): BudgetReservation;
  /** Turns a reservation into the real call. Throws `QUEUE_RESERVATION_NOT_FOUND` / `QUEUE_INVALID_TRANSITION`. */
  settleUsage(reservationId: number, result: UsageResult): UsageRecord;
  /** Frees a reservation whose call never happened; false when it is not RESERVED. */
  releaseReservation(reservationId: number): boolean;
  /** Records a call made without a budget (one SETTLED row). */
  recordUsage(entry: UsageEntry): UsageRecord;
  /** One skill's spent / reserved / remaining in the current window. */
  budgetStatus(request: BudgetStatusRequest): BudgetStatus;
  /** Settled calls grouped by skill, provider or model. */
  usageSummary(options?: UsageSummaryOptions): UsageSummary;
  /** Compares two ranges group by group. */
  usageDelta(fromRange: UsageRange, toRange: UsageRange, options?: { groupBy?: UsageGroupBy }): UsageDelta;
  /** Raw rows, newest first. */
  listUsage(options?: ListUsageOptions): UsageRecord[];
}
