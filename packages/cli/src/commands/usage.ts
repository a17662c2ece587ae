import {
  type BudgetPeriod,
  createUsageLedger,
  type UsageGroupBy,
  type UsageSummary,
  type UsageTotals,
} from '@biged/queue';
import { type Command, Option } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome, withQueue } from '../context';
import { renderTable } from '../output/table';
import { formatCount, formatUsd, formatWh } from '../output/usage-format';

// NOTE: README.md "JSON output" documents these shapes; keep the two in sync.

/** Totals of settled calls as `biged usage --json` prints them. */
export interface UsageTotalsJson {
  calls: number;
  failed_calls: number;
  input_tokens: number;
  output_tokens: number;
  cached_tokens: number;
  cost_usd: number;
  cache_savings_usd: number;
  unpriced_calls: number;
  /** Watt-hours of the metered calls (local model calls with a GPU power reading); 0 when none. */
  energy_wh: number;
  /** Calls with a known energy; `energy_wh` counts only these. */
  metered_calls: number;
}

/** One group of `biged usage --json`. */
export interface UsageRowJson extends UsageTotalsJson {
  key: string;
}

/** What `biged usage --json` prints. */
export interface UsageJson {
  period: BudgetPeriod;
  group_by: UsageGroupBy;
  from: string;
  to: string;
  rows: UsageRowJson[];
  totals: UsageTotalsJson;
}

/** Ledger totals in the CLI's snake_case JSON. */
export const totalsToJson = (totals: UsageTotals): UsageTotalsJson => ({
  calls: totals.calls,
  failed_calls: totals.failedCalls,
  input_tokens: totals.inputTokens,
  output_tokens: totals.outputTokens,
  cached_tokens: totals.cachedTokens,
  cost_usd: totals.costUsd,
  cache_savings_usd: totals.cacheSavingsUsd,
  unpriced_calls: totals.unpricedCalls,
  energy_wh: totals.energyWh,
  metered_calls: totals.meteredCalls,
});

/** The `--group-by` option shared by `usage` and `usage-delta`. */
export const groupByOption = (): Option =>
  new Option('--group-by <key>', 'group by skill, provider or model')
    .choices(['skill', 'provider', 'model'])
    .default('skill');

/** `biged usage`: token usage and cost of the current day, week or month by skill, provider or model. */
export function registerUsage(program: Command, session: ProgramSession): void {
  program
    .command('usage')
    .description(
      'token usage breakdown (calls, input/output tokens, cost USD, energy Wh, cache savings) this period',
    )
    .addOption(
      new Option('--period <period>', 'day, week or month (UTC windows)')
        .choices(['day', 'week', 'month'])
        .default('day'),
    )
    .addOption(groupByOption())
    .action(async (options: { period: BudgetPeriod; groupBy: UsageGroupBy }, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      const config = loadFleetConfig(context);
      const summary = await withQueue(context, config, (queue) =>
        createUsageLedger({ queue }).usageSummary({ period: options.period, groupBy: options.groupBy }),
      );
      const result: UsageJson = {
        period: options.period,
        group_by: summary.groupBy,
        from: summary.from,
        to: summary.to,
        rows: summary.rows.map((row) => ({ key: row.key, ...totalsToJson(row) })),
        totals: totalsToJson(summary.totals),
      };
      if (context.json) {
        context.printJson(result);
        return;
      }
      context.print(renderUsage(options.period, summary));
    });
}

/** The human form of `biged usage`. */
export function renderUsage(period: BudgetPeriod, summary: UsageSummary): string {
  let text = `usage this ${period} (${summary.from} to ${summary.to}), by ${summary.groupBy}\n\n`;
  if (summary.rows.length === 0) return `${text}no model calls recorded\n`;
  const line = (key: string, totals: UsageTotals) => [
    key,
    formatCount(totals.calls),
    formatCount(totals.failedCalls),
    formatCount(totals.inputTokens),
    formatCount(totals.outputTokens),
    formatCount(totals.cachedTokens),
    formatUsd(totals.costUsd),
    totals.meteredCalls === 0 ? '-' : formatWh(totals.energyWh),
    formatUsd(totals.cacheSavingsUsd),
  ];
  text += renderTable(
    [
      summary.groupBy.toUpperCase(),
      'CALLS',
      'FAILED',
      'INPUT',
      'OUTPUT',
      'CACHED',
      'COST USD',
      'ENERGY WH',
      'CACHE SAVINGS',
    ],
    [...summary.rows.map((row) => line(row.key, row)), line('TOTAL', summary.totals)],
  );
  if (summary.totals.unpricedCalls > 0) {
    text += `\nnote: ${summary.totals.unpricedCalls} call(s) used a model missing from the price table and count as $0\n`;
  }
  return text;
}
