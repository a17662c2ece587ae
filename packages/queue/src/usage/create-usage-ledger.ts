import type { Statement } from 'better-sqlite3';
import { QueueError } from '../errors/queue-error';
import { getQueueConnection } from '../queue-database';
import type { UsageRow } from '../schema';
import { periodWindow } from './period-window';
import { estimateCostUsd } from './prices';
import type {
  Budget,
  BudgetReservation,
  BudgetStatus,
  CreateUsageLedgerOptions,
  LedgerTime,
  ListUsageOptions,
  UsageDelta,
  UsageDeltaRow,
  UsageGroupBy,
  UsageLedger,
  UsageRange,
  UsageRecord,
  UsageResult,
  UsageSummary,
  UsageSummaryRow,
  UsageTotals,
} from './usage-ledger';

// NOTE: packages/queue/README.md ("Usage ledger and budgets") describes the budget query and its
// semantics; keep both in sync.

/** Default age after which an open reservation stops counting against its budget: 10 minutes. */
export const DEFAULT_RESERVATION_TIMEOUT_MS = 600_000;
/** Default wait returned under `throttle` enforcement (the manual's 5 s). */
export const DEFAULT_THROTTLE_MS = 5_000;

const MICRO = 1_000_000;
const GROUP_COLUMNS: Record<UsageGroupBy, string> = { skill: 'skill', provider: 'provider', model: 'model' };
const PERIODS = ['day', 'week', 'month'];
const ENFORCEMENTS = ['warn', 'throttle', 'block'];
const MAX_LIST_LIMIT = 10_000;

const USAGE_COLUMNS = `id, created_at AS createdAt, settled_at AS settledAt, skill, agent, provider, model,
  input_tokens AS inputTokens, output_tokens AS outputTokens, cached_tokens AS cachedTokens,
  cost_micro_usd AS costMicroUsd, cache_savings_micro_usd AS cacheSavingsMicroUsd, price_known AS priceKnown,
  latency_ms AS latencyMs, ok, error, status, reserved_micro_usd AS reservedMicroUsd, energy_wh AS energyWh`;

const TOTALS_COLUMNS = `count(*) AS calls,
  coalesce(sum(CASE WHEN ok = 0 THEN 1 ELSE 0 END), 0) AS failedCalls,
  coalesce(sum(input_tokens), 0) AS inputTokens, coalesce(sum(output_tokens), 0) AS outputTokens,
  coalesce(sum(cached_tokens), 0) AS cachedTokens, coalesce(sum(cost_micro_usd), 0) AS costMicroUsd,
  coalesce(sum(cache_savings_micro_usd), 0) AS cacheSavingsMicroUsd,
  coalesce(sum(CASE WHEN price_known = 0 THEN 1 ELSE 0 END), 0) AS unpricedCalls,
  coalesce(sum(energy_wh), 0) AS energyWh, count(energy_wh) AS meteredCalls`;

interface TotalsRow {
  key?: string;
  calls: number;
  failedCalls: number;
  inputTokens: number;
  outputTokens: number;
  cachedTokens: number;
  costMicroUsd: number;
  cacheSavingsMicroUsd: number;
  unpricedCalls: number;
  energyWh: number;
  meteredCalls: number;
}

/** Raw row as SQLite returns it (booleans as 0/1). */
type RawUsageRow = Omit<UsageRow, 'priceKnown' | 'ok'> & { priceKnown: number; ok: number | null };

/**
 * The usage ledger on a queue's SQLite file: one row per model call in the `usage` table, and
 * fail-closed per-skill budgets (reserve before the call, settle after it).
 *
 * It is a separate factory rather than more `TaskQueue` methods so that the task queue's interface (and
 * every mock of it) stays about tasks, the router's usage sink can be built from the ledger alone, and
 * its statements are prepared only in the processes that make model calls. It shares the queue's
 * connection, `BEGIN IMMEDIATE` busy retry and clock, so it needs no second file handle.
 *
 * ```ts
 * const ledger = createUsageLedger({ queue });
 * const { reservationId } = ledger.reserveBudget({ skill: 'summarize', provider: 'claude',
 *   model: 'claude-sonnet-4-5', estimatedUsd: 0.004, budget: { limitUsd: 0.5, period: 'day', enforcement: 'block' } });
 * try { const result = await callModel(); ledger.settleUsage(reservationId, { ...result.usage, ok: true }); }
 * catch (error) { ledger.settleUsage(reservationId, { ok: false, error: String(error) }); }
 * ```
 */
export function createUsageLedger({
  queue,
  reservationTimeoutMs = DEFAULT_RESERVATION_TIMEOUT_MS,
  throttleMs = DEFAULT_THROTTLE_MS,
}: CreateUsageLedgerOptions): UsageLedger {
  if (!(reservationTimeoutMs > 0))
    invalid(`reservationTimeoutMs must be above 0, got ${reservationTimeoutMs}`);
  if (!(throttleMs >= 0)) invalid(`throttleMs must be 0 or more, got ${throttleMs}`);
  const { sqlite, retry, clock } = getQueueConnection(queue);
  const transaction = sqlite.transaction((body: () => unknown) => body());
  const write = <T>(body: () => T): T => retry(() => transaction.immediate(body) as T);
  const read = <T>(body: () => T): T => retry(body);

  const statements = {
    // The budget check. Settled calls count at their real cost, open reservations at their estimate;
    // reservations older than the timeout (a crashed worker) and released ones count for nothing.
    // Served by usage_skill_created_at_idx.
    budgetSums: sqlite.prepare(
      `SELECT
         coalesce(sum(CASE WHEN status = 'SETTLED' THEN cost_micro_usd ELSE 0 END), 0) AS spent,
         coalesce(sum(CASE WHEN status = 'RESERVED' AND created_at >= @staleBefore
                      THEN reserved_micro_usd ELSE 0 END), 0) AS reserved
       FROM usage WHERE skill = @skill AND created_at >= @start AND created_at < @end`,
    ),
    insertReservation: sqlite
      .prepare(
        `INSERT INTO usage (created_at, skill, agent, provider, model, status, reserved_micro_usd)
         VALUES (@now, @skill, @agent, @provider, @model, 'RESERVED', @reserved) RETURNING id`,
      )
      .pluck(),
    insertSettled: sqlite.prepare(
      `INSERT INTO usage (created_at, settled_at, skill, agent, provider, model, input_tokens, output_tokens,
         cached_tokens, cost_micro_usd, cache_savings_micro_usd, price_known, latency_ms, ok, error, status,
         energy_wh)
       VALUES (@now, @now, @skill, @agent, @provider, @model, @inputTokens, @outputTokens, @cachedTokens,
         @cost, @savings, @priceKnown, @latencyMs, @ok, @error, 'SETTLED', @energyWh)
       RETURNING ${USAGE_COLUMNS}`,
    ),
    byId: sqlite.prepare(`SELECT ${USAGE_COLUMNS} FROM usage WHERE id = ?`),
    settle: sqlite.prepare(
      `UPDATE usage SET status = 'SETTLED', settled_at = @now, input_tokens = @inputTokens,
         output_tokens = @outputTokens, cached_tokens = @cachedTokens, cost_micro_usd = @cost,
         cache_savings_micro_usd = @savings, price_known = @priceKnown, latency_ms = @latencyMs, ok = @ok,
         error = @error, energy_wh = @energyWh
       WHERE id = @id AND status = 'RESERVED' RETURNING ${USAGE_COLUMNS}`,
    ),
    release: sqlite.prepare(
      `UPDATE usage SET status = 'RELEASED', settled_at = @now WHERE id = @id AND status = 'RESERVED'`,
    ),
  };
  const grouped = new Map<UsageGroupBy, Statement>();
  const groupedStatement = (groupBy: UsageGroupBy): Statement => {
    let statement = grouped.get(groupBy);
    if (!statement) {
      const column = GROUP_COLUMNS[groupBy];
      if (!column) invalid(`groupBy must be skill, provider or model, got ${String(groupBy)}`);
      statement = sqlite.prepare(
        `SELECT ${column} AS key, ${TOTALS_COLUMNS} FROM usage
         WHERE status = 'SETTLED' AND created_at >= @from AND created_at < @to GROUP BY ${column}`,
      );
      grouped.set(groupBy, statement);
    }
    return statement;
  };

  const timeOf = (time: LedgerTime | undefined): number => {
    if (time === undefined) return clock();
    const value = time instanceof Date ? time.getTime() : time;
    if (!Number.isFinite(value)) invalid(`not a valid time: ${String(time)}`);
    return value;
  };

  const sums = (skill: string, budget: Budget, now: number) => {
    const window = periodWindow(budget.period, now);
    const row = statements.budgetSums.get({
      skill,
      start: window.start,
      end: window.end,
      staleBefore: now - reservationTimeoutMs,
    }) as { spent: number; reserved: number };
    return { ...row, window };
  };

  /** Tokens, cost and outcome of a finished call as bound parameters. */
  const resultParameters = (provider: string, model: string, result: UsageResult, now: number) => {
    const inputTokens = tokens('inputTokens', result.inputTokens);
    const outputTokens = tokens('outputTokens', result.outputTokens);
    const cachedTokens = tokens('cachedTokens', result.cachedTokens);
    const estimate = estimateCostUsd({ provider, model, inputTokens, outputTokens, cachedTokens });
    if (result.costUsd !== undefined) assertUsd('costUsd', result.costUsd);
    const latencyMs = result.latencyMs === undefined ? null : Math.max(0, Math.round(result.latencyMs));
    const energyWh = result.energyWh ?? null;
    if (energyWh !== null && !(typeof energyWh === 'number' && Number.isFinite(energyWh) && energyWh >= 0)) {
      invalid(`energyWh must be a finite number of watt-hours, 0 or more, got ${String(energyWh)}`);
    }
    return {
      inputTokens,
      outputTokens,
      cachedTokens,
      cost: toMicro(result.costUsd ?? estimate.costUsd),
      savings: toMicro(estimate.cacheSavingsUsd),
      // A cost the caller supplied is known even when the table does not list the model.
      priceKnown: result.costUsd !== undefined || estimate.priceKnown ? 1 : 0,
      latencyMs,
      ok: result.ok ? 1 : 0,
      error: result.error ?? null,
      energyWh,
      now,
    };
  };

  const ledger: UsageLedger = {
    reserveBudget({ skill, agent = null, provider, model, estimatedUsd, budget, now: time }) {
      assertCall(skill, provider, model);
      assertBudget(budget);
      assertUsd('estimatedUsd', estimatedUsd);
      const now = timeOf(time);
      const estimate = toMicro(estimatedUsd);
      const limit = toMicro(budget.limitUsd);
      return write((): BudgetReservation => {
        const { spent, reserved, window } = sums(skill, budget, now);
        const after = spent + reserved + estimate;
        const over = after > limit;
        const windowEnd = new Date(window.end).toISOString();
        if (over && budget.enforcement === 'block') {
          throw new QueueError({
            code: 'QUEUE_BUDGET_EXCEEDED',
            skill,
            message:
              `budget exceeded for skill "${skill}": limit ${usd(limit)} per ${budget.period}, ` +
              `spent ${usd(spent)} and reserved ${usd(reserved)} this ${budget.period}; ` +
              `this call (estimated ${usd(estimate)}) would bring it to ${usd(after)}`,
            hint: `raise [budgets] ${skill} in fleet.toml, or wait for the next ${budget.period} (starts ${windowEnd})`,
          });
        }
        const reservationId = statements.insertReservation.get({
          now,
          skill,
          agent,
          provider,
          model,
          reserved: estimate,
        }) as number;
        const reservation: BudgetReservation = {
          reservationId,
          limitUsd: toUsd(limit),
          spentUsd: toUsd(spent),
          reservedUsd: toUsd(reserved + estimate),
          remainingUsd: toUsd(Math.max(0, limit - after)),
          windowStart: new Date(window.start).toISOString(),
          windowEnd,
        };
        if (over) {
          reservation.warning =
            `skill "${skill}" is over its budget: ${usd(after)} of ${usd(limit)} per ${budget.period} ` +
            `(spent ${usd(spent)}, reserved ${usd(reserved + estimate)})`;
          if (budget.enforcement === 'throttle') reservation.throttleMs = throttleMs;
        }
        return reservation;
      });
    },

    settleUsage(reservationId, result) {
      const now = clock();
      const row = write(() => {
        const current = statements.byId.get(reservationId) as RawUsageRow | undefined;
        if (!current) throw reservationNotFound(reservationId);
        if (current.status !== 'RESERVED') {
          throw new QueueError({
            code: 'QUEUE_INVALID_TRANSITION',
            reservationId,
            message: `usage reservation ${reservationId} is already ${current.status}`,
          });
        }
        return statements.settle.get({
          id: reservationId,
          ...resultParameters(current.provider, current.model, result, now),
        }) as RawUsageRow;
      });
      return toRecord(row);
    },

    releaseReservation(reservationId) {
      return write(() => statements.release.run({ id: reservationId, now: clock() }).changes === 1);
    },

    recordUsage({ skill, agent = null, provider, model, now: time, ...result }) {
      assertCall(skill, provider, model);
      const parameters = resultParameters(provider, model, result, timeOf(time));
      const row = write(
        () => statements.insertSettled.get({ skill, agent, provider, model, ...parameters }) as RawUsageRow,
      );
      return toRecord(row);
    },

    budgetStatus({ skill, budget, now: time }): BudgetStatus {
      assertBudget(budget);
      const now = timeOf(time);
      const { spent, reserved, window } = read(() => sums(skill, budget, now));
      const limit = toMicro(budget.limitUsd);
      return {
        skill,
        limitUsd: toUsd(limit),
        period: budget.period,
        enforcement: budget.enforcement,
        spentUsd: toUsd(spent),
        reservedUsd: toUsd(reserved),
        remainingUsd: toUsd(Math.max(0, limit - spent - reserved)),
        exceeded: spent + reserved > limit,
        windowStart: new Date(window.start).toISOString(),
        windowEnd: new Date(window.end).toISOString(),
      };
    },

    usageSummary({ period, from, to, groupBy = 'skill', now: time } = {}): UsageSummary {
      let range: { from: number; to: number };
      if (from !== undefined) {
        range = { from: timeOf(from), to: timeOf(to) };
      } else {
        if (period !== undefined && !PERIODS.includes(period)) {
          invalid(`period must be day, week or month, got ${String(period)}`);
        }
        const window = periodWindow(period ?? 'day', timeOf(time));
        range = { from: window.start, to: window.end };
      }
      return summarize(range, groupBy);
    },

    usageDelta(fromRange: UsageRange, toRange: UsageRange, { groupBy = 'skill' } = {}): UsageDelta {
      const before = summarize({ from: timeOf(fromRange.from), to: timeOf(fromRange.to) }, groupBy);
      const after = summarize({ from: timeOf(toRange.from), to: timeOf(toRange.to) }, groupBy);
      const keys = [...new Set([...before.rows, ...after.rows].map((row) => row.key))];
      const byKey = (summary: UsageSummary, key: string): UsageTotals => {
        const row = summary.rows.find((candidate) => candidate.key === key);
        if (!row) return emptyTotals();
        const { key: _key, ...totals } = row;
        return totals;
      };
      const rows = keys
        .map((key) => ({ key, ...deltaOf(byKey(before, key), byKey(after, key)) }))
        .sort(
          (left, right) =>
            Math.abs(right.costDeltaUsd) - Math.abs(left.costDeltaUsd) || compare(left.key, right.key),
        );
      return {
        groupBy,
        fromRange: { from: before.from, to: before.to },
        toRange: { from: after.from, to: after.to },
        rows,
        totals: deltaOf(before.totals, after.totals),
      };
    },

    listUsage({ from, to, skill, status, limit = 100 }: ListUsageOptions = {}): UsageRecord[] {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
        invalid(`limit must be a whole number from 1 to ${MAX_LIST_LIMIT}, got ${String(limit)}`);
      }
      const conditions: string[] = [];
      const parameters: Record<string, string | number> = { limit };
      if (from !== undefined) {
        conditions.push('created_at >= @from');
        parameters.from = timeOf(from);
      }
      if (to !== undefined) {
        conditions.push('created_at < @to');
        parameters.to = timeOf(to);
      }
      if (skill !== undefined) {
        conditions.push('skill = @skill');
        parameters.skill = skill;
      }
      if (status !== undefined) {
        conditions.push('status = @status');
        parameters.status = status;
      }
      const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
      const rows = read(
        () =>
          sqlite
            .prepare(`SELECT ${USAGE_COLUMNS} FROM usage ${where} ORDER BY id DESC LIMIT @limit`)
            .all(parameters) as RawUsageRow[],
      );
      return rows.map(toRecord);
    },
  };

  function summarize(range: { from: number; to: number }, groupBy: UsageGroupBy): UsageSummary {
    const statement = groupedStatement(groupBy);
    // One statement, one snapshot; the totals are the sum of the groups, so they always agree.
    const rows = read(() => statement.all(range) as TotalsRow[]);
    const totals = rows.reduce(addTotals, emptyTotalsRow());
    return {
      from: new Date(range.from).toISOString(),
      to: new Date(range.to).toISOString(),
      groupBy,
      rows: rows
        .map((row): UsageSummaryRow => ({ key: row.key ?? '', ...toTotals(row) }))
        .sort((left, right) => right.costUsd - left.costUsd || compare(left.key, right.key)),
      totals: toTotals(totals),
    };
  }

  return ledger;
}

function deltaOf(from: UsageTotals, to: UsageTotals): Omit<UsageDeltaRow, 'key'> {
  return {
    from,
    to,
    costDeltaUsd: toUsd(toMicro(to.costUsd) - toMicro(from.costUsd)),
    costDeltaPercent: percent(from.costUsd, to.costUsd),
    callsDeltaPercent: percent(from.calls, to.calls),
  };
}

function percent(before: number, after: number): number | null {
  if (before === 0) return null;
  return Math.round(((after - before) / before) * 10_000) / 100;
}

function compare(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function emptyTotalsRow(): TotalsRow {
  return {
    calls: 0,
    failedCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    costMicroUsd: 0,
    cacheSavingsMicroUsd: 0,
    unpricedCalls: 0,
    energyWh: 0,
    meteredCalls: 0,
  };
}

function addTotals(sum: TotalsRow, row: TotalsRow): TotalsRow {
  return {
    calls: sum.calls + row.calls,
    failedCalls: sum.failedCalls + row.failedCalls,
    inputTokens: sum.inputTokens + row.inputTokens,
    outputTokens: sum.outputTokens + row.outputTokens,
    cachedTokens: sum.cachedTokens + row.cachedTokens,
    costMicroUsd: sum.costMicroUsd + row.costMicroUsd,
    cacheSavingsMicroUsd: sum.cacheSavingsMicroUsd + row.cacheSavingsMicroUsd,
    unpricedCalls: sum.unpricedCalls + row.unpricedCalls,
    energyWh: sum.energyWh + row.energyWh,
    meteredCalls: sum.meteredCalls + row.meteredCalls,
  };
}

function emptyTotals(): UsageTotals {
  return {
    calls: 0,
    failedCalls: 0,
    inputTokens: 0,
    outputTokens: 0,
    cachedTokens: 0,
    costUsd: 0,
    cacheSavingsUsd: 0,
    unpricedCalls: 0,
    energyWh: 0,
    meteredCalls: 0,
  };
}

function toTotals(row: TotalsRow): UsageTotals {
  return {
    calls: row.calls,
    failedCalls: row.failedCalls,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    cachedTokens: row.cachedTokens,
    costUsd: toUsd(row.costMicroUsd),
    cacheSavingsUsd: toUsd(row.cacheSavingsMicroUsd),
    unpricedCalls: row.unpricedCalls,
    // Micro-watt-hour precision: sums of REAL values would otherwise show float noise.
    energyWh: Math.round(row.energyWh * 1_000_000) / 1_000_000,
    meteredCalls: row.meteredCalls,
  };
}

function toRecord(row: RawUsageRow): UsageRecord {
  return {
    id: row.id,
    createdAt: new Date(row.createdAt).toISOString(),
    settledAt: row.settledAt === null ? null : new Date(row.settledAt).toISOString(),
    skill: row.skill,
    agent: row.agent,
    provider: row.provider,
    model: row.model,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    cachedTokens: row.cachedTokens,
    costUsd: toUsd(row.costMicroUsd),
    cacheSavingsUsd: toUsd(row.cacheSavingsMicroUsd),
    priceKnown: row.priceKnown === 1,
    latencyMs: row.latencyMs,
    ok: row.ok === null ? null : row.ok === 1,
    error: row.error,
    status: row.status,
    reservedUsd: toUsd(row.reservedMicroUsd),
    energyWh: row.energyWh,
  };
}

/** USD → integer micro-dollars (what the table stores). */
export function toMicro(amountUsd: number): number {
  return Math.round(amountUsd * MICRO);
}

/** Integer micro-dollars → USD. */
export function toUsd(micro: number): number {
  return micro / MICRO;
}

/** `$0.0123` for messages: micro-dollar precision without trailing zeros beyond cents. */
function usd(micro: number): string {
  const text = (micro / MICRO).toFixed(6).replace(/0+$/, '');
  const [whole = '0', fraction = ''] = text.split('.');
  return `$${whole}.${fraction.padEnd(2, '0')}`;
}

function tokens(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (!Number.isSafeInteger(value) || value < 0)
    invalid(`${name} must be a whole number of 0 or more, got ${value}`);
  return value;
}

function assertUsd(name: string, value: number): void {
  if (!(Number.isFinite(value) && value >= 0))
    invalid(`${name} must be a number of USD, 0 or more, got ${value}`);
}

function assertCall(skill: string, provider: string, model: string): void {
  for (const [name, value] of [
    ['skill', skill],
    ['provider', provider],
    ['model', model],
  ] as const) {
    if (typeof value !== 'string' || value === '') invalid(`${name} must be a non-empty string`);
  }
}

function assertBudget(budget: Budget): void {
  if (budget === null || typeof budget !== 'object') invalid('budget is required');
  assertUsd('budget.limitUsd', budget.limitUsd);
  if (!PERIODS.includes(budget.period))
    invalid(`budget.period must be day, week or month, got ${String(budget.period)}`);
  if (!ENFORCEMENTS.includes(budget.enforcement)) {
    invalid(`budget.enforcement must be warn, throttle or block, got ${String(budget.enforcement)}`);
  }
}

function reservationNotFound(reservationId: number): QueueError {
  return new QueueError({
    code: 'QUEUE_RESERVATION_NOT_FOUND',
    reservationId,
    message: `usage reservation ${reservationId} does not exist`,
  });
}

function invalid(message: string): never {
  throw new QueueError({ code: 'QUEUE_INVALID_ARGUMENT', message });
}
