import { afterEach, describe, expect, it } from 'vitest';
import { createQueue } from '../create-queue';
import { QueueError } from '../errors/queue-error';
import { getQueueDatabase } from '../queue-database';
import type { TaskQueue } from '../task-queue';
import { createUsageLedger } from './create-usage-ledger';
import type { Budget, CreateUsageLedgerOptions } from './usage-ledger';

// Wednesday 2025-01-15 12:00 UTC
const START = Date.parse('2025-01-15T12:00:00.000Z');
const MINUTE = 60_000;
const open: TaskQueue[] = [];

afterEach(() => {
  for (const queue of open.splice(0)) queue.close();
});

/** A :memory: queue and ledger with a hand-driven clock. */
function setup(options: Partial<CreateUsageLedgerOptions> = {}) {
  const time = { now: START };
  const queue = createQueue({ file: ':memory:', clock: () => time.now });
  open.push(queue);
  const ledger = createUsageLedger({ queue, ...options });
  const rows = () =>
    getQueueDatabase(queue).prepare('SELECT * FROM usage ORDER BY id').all() as Array<
      Record<string, unknown>
    >;
  return { queue, ledger, time, rows };
}

const call = { skill: 'summarize', agent: 'researcher', provider: 'claude', model: 'claude-sonnet-4-5' };
const block: Budget = { limitUsd: 0.01, period: 'day', enforcement: 'block' };

function expectQueueError(run: () => unknown, code: string): QueueError {
  try {
    run();
  } catch (error) {
    expect(QueueError.isInstance(error)).toBe(true);
    expect((error as QueueError).code).toBe(code);
    return error as QueueError;
  }
  throw new Error(`expected ${code}`);
}

describe('reserveBudget with a $0.01 block budget', () => {
  it('reserves while the total stays within the limit and refuses the call that would pass it', () => {
    const { ledger, rows } = setup();
    const first = ledger.reserveBudget({ ...call, estimatedUsd: 0.004, budget: block });
    expect(first).toMatchObject({
      limitUsd: 0.01,
      spentUsd: 0,
      reservedUsd: 0.004,
      remainingUsd: 0.006,
      windowStart: '2025-01-15T00:00:00.000Z',
      windowEnd: '2025-01-16T00:00:00.000Z',
    });
    expect(first.warning).toBeUndefined();
    ledger.settleUsage(first.reservationId, {
      inputTokens: 1000,
      outputTokens: 100,
      costUsd: 0.005,
      ok: true,
    });
    const second = ledger.reserveBudget({ ...call, estimatedUsd: 0.004, budget: block });
    expect(second).toMatchObject({ spentUsd: 0.005, reservedUsd: 0.004, remainingUsd: 0.001 });

    const before = rows();
    const error = expectQueueError(
      () => ledger.reserveBudget({ ...call, estimatedUsd: 0.004, budget: block }),
      'QUEUE_BUDGET_EXCEEDED',
    );
    expect(error.skill).toBe('summarize');
    expect(error.message).toContain('"summarize"');
    expect(error.message).toContain('limit $0.01 per day');
    expect(error.message).toContain('spent $0.005');
    expect(error.hint).toBe(
      'raise [budgets] summarize in fleet.toml, or wait for the next day (starts 2025-01-16T00:00:00.000Z)',
    );
    expect(rows()).toEqual(before);
  });

  it('allows a call that lands exactly on the limit, and free calls at the limit', () => {
    const { ledger } = setup();
    ledger.reserveBudget({ ...call, estimatedUsd: 0.01, budget: block });
    expect(
      ledger.reserveBudget({ ...call, provider: 'local', model: 'qwen3:8b', estimatedUsd: 0, budget: block }),
    ).toMatchObject({ remainingUsd: 0 });
    expectQueueError(
      () => ledger.reserveBudget({ ...call, estimatedUsd: 0.000001, budget: block }),
      'QUEUE_BUDGET_EXCEEDED',
    );
  });

  it('counts only the same skill', () => {
    const { ledger } = setup();
    ledger.reserveBudget({ ...call, estimatedUsd: 0.01, budget: block });
    expect(() =>
      ledger.reserveBudget({ ...call, skill: 'code_review', estimatedUsd: 0.01, budget: block }),
    ).not.toThrow();
  });

  it('a released reservation stops counting; a settled one counts at its real cost', () => {
    const { ledger, rows } = setup();
    const { reservationId } = ledger.reserveBudget({ ...call, estimatedUsd: 0.008, budget: block });
    expect(ledger.releaseReservation(reservationId)).toBe(true);
    expect(ledger.releaseReservation(reservationId)).toBe(false);
    expect(rows()[0]).toMatchObject({ status: 'RELEASED', reserved_micro_usd: 8000, cost_micro_usd: 0 });
    const second = ledger.reserveBudget({ ...call, estimatedUsd: 0.008, budget: block });
    // The call was cheaper than estimated: the next reservation sees the real cost.
    ledger.settleUsage(second.reservationId, { inputTokens: 100, outputTokens: 10, ok: true });
    expect(ledger.reserveBudget({ ...call, estimatedUsd: 0.009, budget: block }).spentUsd).toBeCloseTo(
      0.00045,
      9,
    );
  });

  it('rejects bad arguments without inserting', () => {
    const { ledger, rows } = setup();
    expectQueueError(
      () => ledger.reserveBudget({ ...call, estimatedUsd: -1, budget: block }),
      'QUEUE_INVALID_ARGUMENT',
    );
    expectQueueError(
      () =>
        ledger.reserveBudget({ ...call, estimatedUsd: 0.001, budget: { ...block, limitUsd: Number.NaN } }),
      'QUEUE_INVALID_ARGUMENT',
    );
    expectQueueError(
      () =>
        ledger.reserveBudget({
          ...call,
          estimatedUsd: 0.001,
          budget: { ...block, period: 'year' as Budget['period'] },
        }),
      'QUEUE_INVALID_ARGUMENT',
    );
    expect(rows()).toEqual([]);
  });
});

describe('warn and throttle enforcement', () => {
  it('warn reserves past the limit and returns a warning', () => {
    const { ledger, rows } = setup();
    const budget: Budget = { limitUsd: 0.01, period: 'day', enforcement: 'warn' };
    expect(ledger.reserveBudget({ ...call, estimatedUsd: 0.006, budget }).warning).toBeUndefined();
    const over = ledger.reserveBudget({ ...call, estimatedUsd: 0.006, budget });
    expect(over.warning).toContain('over its budget');
    expect(over.throttleMs).toBeUndefined();
    expect(over).toMatchObject({ reservedUsd: 0.012, remainingUsd: 0 });
    expect(rows()).toHaveLength(2);
  });

  it('throttle reserves past the limit and asks the caller to wait 5 s', () => {
    const { ledger } = setup();
    const budget: Budget = { limitUsd: 0.01, period: 'day', enforcement: 'throttle' };
    expect(ledger.reserveBudget({ ...call, estimatedUsd: 0.006, budget }).throttleMs).toBeUndefined();
    const over = ledger.reserveBudget({ ...call, estimatedUsd: 0.006, budget });
    expect(over.throttleMs).toBe(5000);
    expect(over.warning).toBeDefined();
    const custom = setup({ throttleMs: 250 }).ledger;
    custom.reserveBudget({ ...call, estimatedUsd: 0.02, budget });
    expect(custom.reserveBudget({ ...call, estimatedUsd: 0.001, budget }).throttleMs).toBe(250);
  });
});

describe('period windows with an injected clock', () => {
  it('a day budget resets at 00:00 UTC; week on Monday; month on the 1st', () => {
    const { ledger, time } = setup();
    const day: Budget = { ...block, limitUsd: 0.01 };
    const { reservationId } = ledger.reserveBudget({ ...call, estimatedUsd: 0.01, budget: day });
    ledger.settleUsage(reservationId, { costUsd: 0.01, ok: true });
    expectQueueError(
      () => ledger.reserveBudget({ ...call, estimatedUsd: 0.001, budget: day }),
      'QUEUE_BUDGET_EXCEEDED',
    );
    // The week and month windows still see Wednesday's call.
    const week: Budget = { ...block, period: 'week' };
    const month: Budget = { ...block, period: 'month' };
    time.now = Date.parse('2025-01-16T00:00:00.000Z');
    expect(ledger.reserveBudget({ ...call, estimatedUsd: 0.001, budget: day }).spentUsd).toBe(0);
    expectQueueError(
      () => ledger.reserveBudget({ ...call, estimatedUsd: 0.001, budget: week }),
      'QUEUE_BUDGET_EXCEEDED',
    );
    // `now` can be passed per call too: next Monday the week window is empty, the month one is not.
    const monday = Date.parse('2025-01-20T00:00:00.000Z');
    time.now = monday;
    expect(ledger.reserveBudget({ ...call, estimatedUsd: 0.001, budget: week, now: monday }).spentUsd).toBe(
      0,
    );
    expectQueueError(
      () => ledger.reserveBudget({ ...call, estimatedUsd: 0.009, budget: month }),
      'QUEUE_BUDGET_EXCEEDED',
    );
    time.now = Date.parse('2025-02-01T00:00:00.000Z');
    expect(ledger.reserveBudget({ ...call, estimatedUsd: 0.01, budget: month }).reservedUsd).toBe(0.01);
  });
});

describe('stale reservations', () => {
  it('stop counting after reservationTimeoutMs (a crashed worker does not block the budget forever)', () => {
    const { ledger, time } = setup({ reservationTimeoutMs: 10 * MINUTE });
    const crashed = ledger.reserveBudget({ ...call, estimatedUsd: 0.01, budget: block });
    time.now += 10 * MINUTE - 1;
    expectQueueError(
      () => ledger.reserveBudget({ ...call, estimatedUsd: 0.001, budget: block }),
      'QUEUE_BUDGET_EXCEEDED',
    );
    expect(ledger.budgetStatus({ skill: 'summarize', budget: block })).toMatchObject({
      reservedUsd: 0.01,
      exceeded: false,
    });
    time.now += 2;
    expect(ledger.reserveBudget({ ...call, estimatedUsd: 0.001, budget: block }).reservedUsd).toBe(0.001);
    // A late settle still records the real call, and then it counts again.
    ledger.settleUsage(crashed.reservationId, { costUsd: 0.0095, ok: true });
    expectQueueError(
      () => ledger.reserveBudget({ ...call, estimatedUsd: 0.001, budget: block }),
      'QUEUE_BUDGET_EXCEEDED',
    );
  });
});

describe('settleUsage, recordUsage', () => {
  it('settle turns the reservation into the real row with the price-table cost', () => {
    const { ledger, time } = setup();
    const { reservationId } = ledger.reserveBudget({
      ...call,
      estimatedUsd: 0.01,
      budget: { ...block, limitUsd: 1 },
    });
    time.now += 1500;
    const record = ledger.settleUsage(reservationId, {
      inputTokens: 2000,
      outputTokens: 300,
      cachedTokens: 1000,
      latencyMs: 1500,
      ok: true,
    });
    expect(record).toEqual({
      id: reservationId,
      createdAt: '2025-01-15T12:00:00.000Z',
      settledAt: '2025-01-15T12:00:01.500Z',
      skill: 'summarize',
      agent: 'researcher',
      provider: 'claude',
      model: 'claude-sonnet-4-5',
      inputTokens: 2000,
      outputTokens: 300,
      cachedTokens: 1000,
      // 1000 × $3 + 1000 × $0.30 + 300 × $15 per million
      costUsd: 0.0078,
      cacheSavingsUsd: 0.0027,
      priceKnown: true,
      latencyMs: 1500,
      ok: true,
      error: null,
      status: 'SETTLED',
      reservedUsd: 0.01,
      energyWh: null,
    });
    expectQueueError(() => ledger.settleUsage(reservationId, { ok: true }), 'QUEUE_INVALID_TRANSITION');
    expect(
      expectQueueError(() => ledger.settleUsage(999, { ok: true }), 'QUEUE_RESERVATION_NOT_FOUND')
        .reservationId,
    ).toBe(999);
  });

  it('records failed calls and unknown models (cost 0, priceKnown false)', () => {
    const { ledger } = setup();
    const failed = ledger.recordUsage({ ...call, inputTokens: 10, ok: false, error: 'HTTP 529 overloaded' });
    expect(failed).toMatchObject({
      ok: false,
      error: 'HTTP 529 overloaded',
      status: 'SETTLED',
      reservedUsd: 0,
    });
    const unknown = ledger.recordUsage({ ...call, model: 'claude-9-ultra', inputTokens: 10, ok: true });
    expect(unknown).toMatchObject({ costUsd: 0, priceKnown: false });
    expect(ledger.recordUsage({ ...call, model: 'claude-9-ultra', costUsd: 0.5, ok: true }).priceKnown).toBe(
      true,
    );
    expectQueueError(
      () => ledger.recordUsage({ ...call, inputTokens: 1.5, ok: true }),
      'QUEUE_INVALID_ARGUMENT',
    );
  });
});

describe('usageSummary and usageDelta', () => {
  function seed() {
    const context = setup();
    const { ledger, time } = context;
    const entries = [
      {
        skill: 'summarize',
        provider: 'claude',
        model: 'claude-sonnet-4-5',
        inputTokens: 1200,
        outputTokens: 340,
        cachedTokens: 200,
      },
      {
        skill: 'summarize',
        provider: 'gemini',
        model: 'gemini-2.5-flash',
        inputTokens: 5000,
        outputTokens: 800,
        cachedTokens: 0,
      },
      {
        skill: 'code_review',
        provider: 'claude',
        model: 'claude-haiku-4-5',
        inputTokens: 900,
        outputTokens: 120,
        cachedTokens: 600,
      },
      {
        skill: 'code_review',
        provider: 'local',
        model: 'qwen3:8b',
        inputTokens: 7000,
        outputTokens: 2000,
        cachedTokens: 0,
      },
      {
        skill: 'web_search',
        provider: 'claude',
        model: 'claude-unknown',
        inputTokens: 10,
        outputTokens: 1,
        cachedTokens: 0,
      },
    ];
    for (const [index, entry] of entries.entries()) {
      time.now = START + index * MINUTE;
      // The local call knows its energy (the fleet measures local calls only).
      const energyWh = entry.provider === 'local' ? 0.25 : undefined;
      ledger.recordUsage({ ...entry, ok: index !== 2, latencyMs: 100, ...(energyWh ? { energyWh } : {}) });
    }
    // Reservations and released rows are not calls.
    const open = ledger.reserveBudget({ ...call, estimatedUsd: 0.5, budget: { ...block, limitUsd: 10 } });
    const released = ledger.reserveBudget({ ...call, estimatedUsd: 0.5, budget: { ...block, limitUsd: 10 } });
    ledger.releaseReservation(released.reservationId);
    // Yesterday.
    time.now = START - 24 * 60 * MINUTE;
    ledger.recordUsage({ ...call, inputTokens: 100_000, outputTokens: 0, ok: true });
    time.now = START + 10 * MINUTE;
    return { ...context, open };
  }

  it('sums equal the raw SETTLED rows, per group and in total', () => {
    const { ledger, rows } = seed();
    for (const groupBy of ['skill', 'provider', 'model'] as const) {
      const summary = ledger.usageSummary({ period: 'day', groupBy });
      expect(summary.from).toBe('2025-01-15T00:00:00.000Z');
      expect(summary.to).toBe('2025-01-16T00:00:00.000Z');
      const settled = rows().filter(
        (row) => row.status === 'SETTLED' && (row.created_at as number) >= Date.parse(summary.from),
      );
      const column = groupBy;
      const keys = [...new Set(settled.map((row) => row[column] as string))].sort();
      expect(summary.rows.map((row) => row.key).sort()).toEqual(keys);
      for (const row of summary.rows) {
        const mine = settled.filter((raw) => raw[column] === row.key);
        const sum = (name: string) => mine.reduce((total, raw) => total + (raw[name] as number), 0);
        expect(row).toEqual({
          key: row.key,
          calls: mine.length,
          failedCalls: mine.filter((raw) => raw.ok === 0).length,
          inputTokens: sum('input_tokens'),
          outputTokens: sum('output_tokens'),
          cachedTokens: sum('cached_tokens'),
          costUsd: sum('cost_micro_usd') / 1_000_000,
          cacheSavingsUsd: sum('cache_savings_micro_usd') / 1_000_000,
          unpricedCalls: mine.filter((raw) => raw.price_known === 0).length,
          energyWh: sum('energy_wh'),
          meteredCalls: mine.filter((raw) => raw.energy_wh !== null).length,
        });
      }
      expect(summary.totals.calls).toBe(5);
      expect(summary.totals.costUsd).toBe(
        settled.reduce((total, raw) => total + (raw.cost_micro_usd as number), 0) / 1_000_000,
      );
    }
    const bySkill = ledger.usageSummary({ period: 'day' });
    expect(bySkill.groupBy).toBe('skill');
    // Most expensive first.
    expect(bySkill.rows.map((row) => row.key)).toEqual(['summarize', 'code_review', 'web_search']);
    expect(ledger.usageSummary({ period: 'week' }).totals.calls).toBe(6);
  });

  it('takes an explicit range', () => {
    const { ledger } = seed();
    const summary = ledger.usageSummary({ from: START + MINUTE, to: START + 3 * MINUTE, groupBy: 'model' });
    expect(summary.rows.map((row) => row.key).sort()).toEqual(['claude-haiku-4-5', 'gemini-2.5-flash']);
  });

  it('usageDelta compares two ranges group by group', () => {
    const { ledger } = seed();
    const yesterday = { from: Date.parse('2025-01-14T00:00:00Z'), to: Date.parse('2025-01-15T00:00:00Z') };
    const today = { from: Date.parse('2025-01-15T00:00:00Z'), to: Date.parse('2025-01-16T00:00:00Z') };
    const delta = ledger.usageDelta(yesterday, today);
    const summarize = delta.rows.find((row) => row.key === 'summarize');
    expect(summarize?.from).toMatchObject({ calls: 1, inputTokens: 100_000, costUsd: 0.3 });
    expect(summarize?.to.calls).toBe(2);
    const todayCost =
      ledger.usageSummary({ period: 'day' }).rows.find((row) => row.key === 'summarize')?.costUsd ?? 0;
    expect(summarize?.costDeltaUsd).toBeCloseTo(todayCost - 0.3, 9);
    expect(summarize?.costDeltaPercent).toBeCloseTo(((todayCost - 0.3) / 0.3) * 100, 1);
    expect(summarize?.callsDeltaPercent).toBe(100);
    const review = delta.rows.find((row) => row.key === 'code_review');
    expect(review?.costDeltaPercent).toBeNull();
    expect(delta.totals.from.calls).toBe(1);
    expect(delta.totals.to.calls).toBe(5);
    expect(delta.fromRange).toEqual({ from: '2025-01-14T00:00:00.000Z', to: '2025-01-15T00:00:00.000Z' });
  });

  it('budgetStatus reports spent, open reservations and remaining', () => {
    const { ledger } = seed();
    const status = ledger.budgetStatus({
      skill: 'summarize',
      budget: { limitUsd: 1, period: 'day', enforcement: 'warn' },
    });
    const spent =
      ledger.usageSummary({ period: 'day' }).rows.find((row) => row.key === 'summarize')?.costUsd ?? 0;
    expect(status).toEqual({
      skill: 'summarize',
      limitUsd: 1,
      period: 'day',
      enforcement: 'warn',
      spentUsd: spent,
      reservedUsd: 0.5,
      remainingUsd: Math.round((1 - spent - 0.5) * 1e6) / 1e6,
      exceeded: false,
      windowStart: '2025-01-15T00:00:00.000Z',
      windowEnd: '2025-01-16T00:00:00.000Z',
    });
    expect(ledger.listUsage({ status: 'RESERVED' })).toHaveLength(1);
    expect(ledger.listUsage({ skill: 'code_review' }).map((row) => row.model)).toEqual([
      'qwen3:8b',
      'claude-haiku-4-5',
    ]);
  });
});

describe('energy', () => {
  it('stores energyWh on recorded and settled calls, null when unknown', () => {
    const { ledger, rows } = setup();
    const local = { ...call, provider: 'local', model: 'qwen3:8b' };
    expect(ledger.recordUsage({ ...local, ok: true, energyWh: 0.125 }).energyWh).toBe(0.125);
    expect(ledger.recordUsage({ ...local, ok: true, energyWh: 0 }).energyWh).toBe(0);
    expect(ledger.recordUsage({ ...call, ok: true }).energyWh).toBeNull();
    expect(ledger.recordUsage({ ...call, ok: true, energyWh: null }).energyWh).toBeNull();
    const { reservationId } = ledger.reserveBudget({
      ...local,
      estimatedUsd: 0,
      budget: { ...block, limitUsd: 1 },
    });
    expect(ledger.listUsage({ status: 'RESERVED' })[0]?.energyWh).toBeNull();
    expect(ledger.settleUsage(reservationId, { ok: true, energyWh: 2.5 }).energyWh).toBe(2.5);
    expect(rows().map((row) => row.energy_wh)).toEqual([0.125, 0, null, null, 2.5]);
  });

  it('refuses a negative, non-finite or non-number energy without writing anything', () => {
    const { ledger, rows } = setup();
    for (const energyWh of [-0.001, Number.NaN, Number.POSITIVE_INFINITY, '3' as unknown as number]) {
      const error = expectQueueError(
        () => ledger.recordUsage({ ...call, ok: true, energyWh }),
        'QUEUE_INVALID_ARGUMENT',
      );
      expect(error.message).toContain('energyWh');
    }
    const { reservationId } = ledger.reserveBudget({
      ...call,
      estimatedUsd: 0,
      budget: { ...block, limitUsd: 1 },
    });
    expectQueueError(
      () => ledger.settleUsage(reservationId, { ok: true, energyWh: -1 }),
      'QUEUE_INVALID_ARGUMENT',
    );
    // The reservation is untouched and can still be settled.
    expect(rows().map((row) => row.status)).toEqual(['RESERVED']);
    expect(ledger.settleUsage(reservationId, { ok: true, energyWh: 1 }).status).toBe('SETTLED');
  });

  it('sums known energy in the summary and counts the metered calls; unknown energy adds nothing', () => {
    const { ledger, time } = setup();
    const local = { ...call, provider: 'local', model: 'qwen3:8b' };
    // 0.1 + 0.2 is 0.30000000000000004 in floating point: the totals come back rounded.
    ledger.recordUsage({ ...local, ok: true, energyWh: 0.1 });
    time.now += MINUTE;
    ledger.recordUsage({ ...local, skill: 'code_review', ok: true, energyWh: 0.2 });
    time.now += MINUTE;
    ledger.recordUsage({ ...call, ok: true });
    const summary = ledger.usageSummary({ period: 'day', groupBy: 'provider' });
    expect(summary.totals).toMatchObject({ calls: 3, energyWh: 0.3, meteredCalls: 2 });
    expect(summary.rows.find((row) => row.key === 'local')).toMatchObject({ energyWh: 0.3, meteredCalls: 2 });
    expect(summary.rows.find((row) => row.key === 'claude')).toMatchObject({ energyWh: 0, meteredCalls: 0 });
    const delta = ledger.usageDelta(
      { from: START - 24 * 60 * MINUTE, to: START },
      { from: START, to: START + 24 * 60 * MINUTE },
    );
    expect(delta.totals.from).toMatchObject({ energyWh: 0, meteredCalls: 0 });
    expect(delta.totals.to).toMatchObject({ energyWh: 0.3, meteredCalls: 2 });
  });
});

describe('the budget query', () => {
  it('uses the (skill, created_at) index', () => {
    const { queue } = setup();
    const plan = getQueueDatabase(queue)
      .prepare(
        `EXPLAIN QUERY PLAN SELECT sum(cost_micro_usd) FROM usage
         WHERE skill = 'x' AND created_at >= 0 AND created_at < 10`,
      )
      .all() as Array<{ detail: string }>;
    expect(plan.map((row) => row.detail).join('\n')).toContain('usage_skill_created_at_idx');
  });
});
