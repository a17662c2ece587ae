import { createRouter, parseFleetConfig } from '@biged/core';
import { MockModelProvider } from '@biged/core/test';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueue } from '../create-queue';
import type { TaskQueue } from '../task-queue';
import { createUsageLedger } from './create-usage-ledger';
import { budgetsFromConfig, createLedgerUsageSink, NO_SKILL } from './ledger-usage-sink';

let queue: TaskQueue | undefined;
afterEach(() => queue?.close());

const setup = (budgets: Record<string, unknown>) => {
  queue = createQueue({ file: ':memory:' });
  const ledger = createUsageLedger({ queue });
  const config = parseFleetConfig({ budgets, router: { min_gap_ms: 0 } }).config;
  const claude = new MockModelProvider({
    providerId: 'claude',
    isLocal: false,
    generate: [
      (request) => ({
        text: 'ok',
        finishReason: 'stop',
        usage: { inputTokens: 1000, outputTokens: 400, cachedInputTokens: 0 },
        model: request.model,
      }),
    ],
  });
  const router = createRouter({
    providers: [claude],
    config,
    models: { claude: 'claude-sonnet-4-5' },
    usage: createLedgerUsageSink({ ledger, config, sleep: async () => {} }),
  });
  return { ledger, router, claude };
};

describe('the ledger as the router usage sink', () => {
  it('stops the call that would pass a $0.01 budget, before the provider is called', async () => {
    const { ledger, router, claude } = setup({ enforcement: 'block', summarize: 0.01 });
    // The first call costs $0.009 (1000 in + 400 out at Sonnet prices); the second's estimate passes $0.01.
    await router.call({ skill: 'summarize', prompt: 'x'.repeat(400), maxOutputTokens: 400 });
    const [summarize] = budgetsFromConfig(
      parseFleetConfig({ budgets: { enforcement: 'block', summarize: 0.01 } }).config,
    );
    expect(ledger.budgetStatus({ skill: 'summarize', budget: summarize!.budget }).spentUsd).toBeGreaterThan(
      0,
    );
    const error = await router
      .call({ skill: 'summarize', prompt: 'x'.repeat(400), maxOutputTokens: 400 })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'QUEUE_BUDGET_EXCEEDED' });
    expect(claude.calls).toHaveLength(1);
    const rows = ledger.listUsage({});
    expect(rows.filter((row) => row.status === 'SETTLED')).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      skill: 'summarize',
      provider: 'claude',
      inputTokens: 1000,
      outputTokens: 400,
      ok: true,
    });
  });

  it('stores the energy a wrapper adds to the entry, on plain and on budgeted calls', async () => {
    queue = createQueue({ file: ':memory:' });
    const ledger = createUsageLedger({ queue });
    const config = parseFleetConfig({ budgets: { summarize: 5 } }).config;
    const sink = createLedgerUsageSink({ ledger, config, sleep: async () => {} });
    const entry = {
      skill: 'code_review',
      agent: 'w',
      provider: 'local',
      model: 'qwen3:8b',
      kind: 'generate' as const,
      inputTokens: 10,
      outputTokens: 5,
      cachedTokens: 0,
      latencyMs: 1800,
      attempts: 1,
      ok: true,
    };
    sink.record({ ...entry, energyWh: 0.1 });
    sink.record(entry);
    const reservation = await sink.reserve?.({
      skill: 'summarize',
      agent: 'w',
      provider: 'local',
      model: 'qwen3:8b',
      estimatedInputTokens: 10,
      estimatedOutputTokens: 0,
    });
    sink.record({ ...entry, skill: 'summarize', reservation, energyWh: 0.05 });
    const rows = ledger.listUsage({});
    expect(rows.map((row) => [row.skill, row.status, row.energyWh])).toEqual([
      ['summarize', 'SETTLED', 0.05],
      ['code_review', 'SETTLED', null],
      ['code_review', 'SETTLED', 0.1],
    ]);
  });

  it('records calls without a budget, and calls without a skill under (none)', async () => {
    const { ledger, router } = setup({ summarize: 5 });
    await router.call({ skill: 'code_review', prompt: 'hi' });
    await router.call({ prompt: 'hi' });
    const rows = ledger.listUsage({});
    expect(rows.map((row) => row.skill).sort()).toEqual(['code_review', NO_SKILL].sort());
    expect(rows.every((row) => row.status === 'SETTLED' && row.costUsd > 0)).toBe(true);
  });
});
