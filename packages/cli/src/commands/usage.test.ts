import type { TempHome } from '@biged/core/test';
import { createQueue, createUsageLedger } from '@biged/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';
import type { BudgetsJson } from './budget';
import type { UsageJson } from './usage';
import type { UsageDeltaJson } from './usage-delta';

const DAY_MS = 86_400_000;

/** Records a few calls through the queue API and returns the ledger's raw rows of the current day. */
function seedLedger(home: TempHome, now = Date.now()) {
  const queue = createQueue({ file: home.db });
  try {
    const ledger = createUsageLedger({ queue });
    const calls = [
      {
        skill: 'summarize',
        provider: 'claude',
        model: 'claude-sonnet-4-5',
        inputTokens: 1200,
        outputTokens: 340,
        cachedTokens: 800,
      },
      {
        skill: 'summarize',
        provider: 'gemini',
        model: 'gemini-2.5-flash',
        inputTokens: 5000,
        outputTokens: 800,
      },
      {
        skill: 'code_review',
        provider: 'claude',
        model: 'claude-haiku-4-5',
        inputTokens: 900,
        outputTokens: 120,
      },
      {
        skill: 'code_review',
        provider: 'local',
        model: 'qwen3:8b',
        inputTokens: 7000,
        outputTokens: 2000,
        energyWh: 1.25,
      },
      { skill: 'summarize', provider: 'local', model: 'qwen3:4b', inputTokens: 300, energyWh: 0.5 },
      // A local call without a power reading (no GPU): unknown energy, not 0.
      { skill: 'summarize', provider: 'local', model: 'qwen3:4b', inputTokens: 100, energyWh: null },
    ];
    for (const entry of calls) ledger.recordUsage({ ...entry, ok: true, latencyMs: 200, now });
    ledger.recordUsage({
      skill: 'web_search',
      provider: 'claude',
      model: 'claude-haiku-4-5',
      inputTokens: 10,
      ok: false,
      error: 'HTTP 529',
      now,
    });
    // Open reservations are not calls; last week's call is outside the day.
    ledger.reserveBudget({
      skill: 'summarize',
      provider: 'claude',
      model: 'claude-sonnet-4-5',
      estimatedUsd: 0.002,
      budget: { limitUsd: 1, period: 'day', enforcement: 'block' },
      now,
    });
    ledger.recordUsage({
      skill: 'summarize',
      provider: 'claude',
      model: 'claude-opus-4-1',
      inputTokens: 50_000,
      ok: true,
      now: now - 8 * DAY_MS,
    });
    const today = Date.UTC(
      new Date(now).getUTCFullYear(),
      new Date(now).getUTCMonth(),
      new Date(now).getUTCDate(),
    );
    return ledger.listUsage({ from: today, to: today + DAY_MS, status: 'SETTLED', limit: 1000 });
  } finally {
    queue.close();
  }
}

describe('biged usage', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  it('--json sums match the ledger rows', async () => {
    const rows = seedLedger(home);
    const result = await runCli(['usage', '--json', '--home', home.home]);
    expect(result.code).toBe(0);
    const usage = result.json<UsageJson>();
    expect(usage.period).toBe('day');
    expect(usage.group_by).toBe('skill');
    expect(usage.rows.map((row) => row.key).sort()).toEqual(['code_review', 'summarize', 'web_search']);
    const micro = (value: number) => Math.round(value * 1_000_000);
    for (const row of usage.rows) {
      const mine = rows.filter((record) => record.skill === row.key);
      expect(row.calls).toBe(mine.length);
      expect(row.failed_calls).toBe(mine.filter((record) => record.ok === false).length);
      expect(row.input_tokens).toBe(mine.reduce((sum, record) => sum + record.inputTokens, 0));
      expect(row.output_tokens).toBe(mine.reduce((sum, record) => sum + record.outputTokens, 0));
      expect(row.cached_tokens).toBe(mine.reduce((sum, record) => sum + record.cachedTokens, 0));
      expect(micro(row.cost_usd)).toBe(mine.reduce((sum, record) => sum + micro(record.costUsd), 0));
      expect(row.energy_wh).toBeCloseTo(
        mine.reduce((sum, record) => sum + (record.energyWh ?? 0), 0),
        9,
      );
      expect(row.metered_calls).toBe(mine.filter((record) => record.energyWh !== null).length);
      expect(micro(row.cache_savings_usd)).toBe(
        mine.reduce((sum, record) => sum + micro(record.cacheSavingsUsd), 0),
      );
    }
    expect(usage.totals.calls).toBe(rows.length);
    expect(micro(usage.totals.cost_usd)).toBe(rows.reduce((sum, record) => sum + micro(record.costUsd), 0));
    expect(usage.totals.cost_usd).toBeGreaterThan(0);
    expect(usage.totals.cache_savings_usd).toBeGreaterThan(0);
    expect(usage.totals).toMatchObject({ energy_wh: 1.75, metered_calls: 2 });
    expect(usage.rows.find((row) => row.key === 'web_search')).toMatchObject({
      energy_wh: 0,
      metered_calls: 0,
    });

    const byModel = (
      await runCli(['usage', '--json', '--group-by', 'model', '--home', home.home])
    ).json<UsageJson>();
    expect(byModel.rows.map((row) => row.key).sort()).toEqual([
      'claude-haiku-4-5',
      'claude-sonnet-4-5',
      'gemini-2.5-flash',
      'qwen3:4b',
      'qwen3:8b',
    ]);
    const week = (
      await runCli(['usage', '--json', '--period', 'month', '--home', home.home])
    ).json<UsageJson>();
    expect(week.totals.calls).toBeGreaterThanOrEqual(rows.length);
  });

  it('prints a table with a total line', async () => {
    seedLedger(home);
    const result = await runCli(['usage', '--home', home.home]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage this day \(\S+ to \S+\), by skill\n\n/);
    expect(result.stdout).toMatch(
      /SKILL +CALLS +FAILED +INPUT +OUTPUT +CACHED +COST USD +ENERGY WH +CACHE SAVINGS\n/,
    );
    // Energy beside the dollars: metered calls' Wh, `-` for a group with no metered call.
    expect(result.stdout).toMatch(/\nsummarize +4 +0 +6,600 +1,140 +800 +\$0\.\d{4} +0\.500 +\$0\.\d{4}\n/);
    expect(result.stdout).toMatch(/\ncode_review +2 +0 +7,900 +2,120 +0 +\$0\.\d{4} +1\.250 +\$0\.\d{4}\n/);
    expect(result.stdout).toMatch(/\nweb_search +1 +1 +10 +0 +0 +\$0\.\d{4} +- +\$0\.\d{4}\n/);
    expect(result.stdout).toMatch(/\nTOTAL +7 +1 +14,510 +3,260 +800 +\$0\.\d{4} +1\.750 /);
  });

  it('says so when nothing was recorded, and rejects a bad --period (exit 2)', async () => {
    expect((await runCli(['usage', '--home', home.home])).stdout).toContain('no model calls recorded');
    const bad = await runCli(['usage', '--period', 'year', '--home', home.home]);
    expect(bad.code).toBe(2);
  });
});

describe('biged usage-delta', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  it('compares two date ranges with delta % and arrows', async () => {
    const queue = createQueue({ file: home.db });
    const ledger = createUsageLedger({ queue });
    const at = (iso: string) => Date.parse(iso);
    const claude = { provider: 'claude', model: 'claude-sonnet-4-5', ok: true };
    ledger.recordUsage({ ...claude, skill: 'summarize', costUsd: 0.2, now: at('2025-01-02T10:00:00Z') });
    ledger.recordUsage({ ...claude, skill: 'summarize', costUsd: 0.1, now: at('2025-01-09T10:00:00Z') });
    ledger.recordUsage({ ...claude, skill: 'summarize', costUsd: 0.2, now: at('2025-01-14T23:59:00Z') });
    ledger.recordUsage({ ...claude, skill: 'code_review', costUsd: 0.05, now: at('2025-01-10T10:00:00Z') });
    queue.close();

    const args = ['usage-delta', '2025-01-01', '2025-01-07', '2025-01-08', '2025-01-14', '--home', home.home];
    const json = (await runCli([...args, '--json'])).json<UsageDeltaJson>();
    expect(json.from_range).toEqual({ from: '2025-01-01T00:00:00.000Z', to: '2025-01-08T00:00:00.000Z' });
    // A date alone as the end includes that whole day.
    expect(json.to_range).toEqual({ from: '2025-01-08T00:00:00.000Z', to: '2025-01-15T00:00:00.000Z' });
    const summarize = json.rows.find((row) => row.key === 'summarize');
    expect(summarize).toMatchObject({ cost_delta_percent: 50, calls_delta_percent: 100 });
    expect(summarize?.cost_delta_usd).toBeCloseTo(0.1, 9);
    expect(json.rows.find((row) => row.key === 'code_review')?.cost_delta_percent).toBeNull();
    expect(json.totals.to.cost_usd).toBeCloseTo(0.35, 9);

    const text = (await runCli(args)).stdout;
    expect(text).toMatch(/\nsummarize +1 +2 +↑ 100% +\$0\.2000 +\$0\.3000 +↑ 50%\n/);
    expect(text).toMatch(/\ncode_review +0 +1 +new +\$0\.0000 +\$0\.0500 +new\n/);
  });

  it('rejects a date that is not ISO 8601 (exit 1) and a range that ends before it starts', async () => {
    const bad = await runCli([
      'usage-delta',
      '01/02/2025',
      '2025-01-07',
      '2025-01-08',
      '2025-01-14',
      '--home',
      home.home,
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('from_start must be an ISO 8601 date');
    const backwards = await runCli([
      'usage-delta',
      '2025-01-07',
      '2025-01-01',
      '2025-01-08',
      '2025-01-14',
      '--home',
      home.home,
    ]);
    expect(backwards.code).toBe(1);
    expect(backwards.stderr).toContain('from_end (2025-01-01) must be after from_start');
  });
});

describe('biged budget', () => {
  it('lists each [budgets] skill with limit, spent, reserved and remaining; others are not listed', async () => {
    const home = await initHome(
      '[budgets]\nperiod = "day"\nenforcement = "block"\nsummarize = 0.01\ncode_review = 2\n',
    );
    try {
      const queue = createQueue({ file: home.db });
      const ledger = createUsageLedger({ queue });
      const budget = { limitUsd: 0.01, period: 'day' as const, enforcement: 'block' as const };
      const call = { skill: 'summarize', provider: 'claude', model: 'claude-sonnet-4-5' };
      const first = ledger.reserveBudget({ ...call, estimatedUsd: 0.004, budget });
      ledger.settleUsage(first.reservationId, { costUsd: 0.004, ok: true });
      ledger.reserveBudget({ ...call, estimatedUsd: 0.004, budget });
      // The acceptance check: a $0.01 budget stops the call that would pass it.
      expect(() => ledger.reserveBudget({ ...call, estimatedUsd: 0.004, budget })).toThrow(/budget exceeded/);
      ledger.recordUsage({
        skill: 'web_search',
        provider: 'claude',
        model: 'claude-haiku-4-5',
        costUsd: 1,
        ok: true,
      });
      queue.close();

      const result = await runCli(['budget', '--json', '--home', home.home]);
      expect(result.code).toBe(0);
      const json = result.json<BudgetsJson>();
      expect(json.period).toBe('day');
      expect(json.enforcement).toBe('block');
      expect(json.budgets.map((entry) => entry.skill)).toEqual(['code_review', 'summarize']);
      expect(json.budgets[1]).toMatchObject({
        skill: 'summarize',
        limit_usd: 0.01,
        spent_usd: 0.004,
        reserved_usd: 0.004,
        remaining_usd: 0.002,
        exceeded: false,
        enforcement: 'block',
        period: 'day',
      });
      expect(json.budgets[0]).toMatchObject({ limit_usd: 2, spent_usd: 0, remaining_usd: 2 });

      const text = (await runCli(['budget', '--home', home.home])).stdout;
      expect(text).toMatch(/SKILL +LIMIT +SPENT +RESERVED +REMAINING +ENFORCEMENT\n/);
      expect(text).toMatch(/\nsummarize +\$0\.0100 +\$0\.0040 +\$0\.0040 +\$0\.0020 +block\n/);
    } finally {
      home.cleanup();
    }
  });

  it('says how to set budgets when [budgets] has none', async () => {
    const home = await initHome();
    try {
      expect((await runCli(['budget', '--json', '--home', home.home])).json<BudgetsJson>().budgets).toEqual(
        [],
      );
      expect((await runCli(['budget', '--home', home.home])).stdout).toContain('no budgets set');
    } finally {
      home.cleanup();
    }
  });
});
