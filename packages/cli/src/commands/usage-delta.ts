import { createUsageLedger, type UsageDelta, type UsageGroupBy } from '@biged/queue';
import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome, withQueue } from '../context';
import { CliError } from '../errors';
import { renderTable } from '../output/table';
import { formatCount, formatDelta, formatUsd } from '../output/usage-format';
import { groupByOption, totalsToJson, type UsageTotalsJson } from './usage';

// NOTE: README.md "JSON output" documents these shapes; keep the two in sync.

const DAY_MS = 86_400_000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** One group of `biged usage-delta --json`. */
export interface UsageDeltaRowJson {
  key: string;
  from: UsageTotalsJson;
  to: UsageTotalsJson;
  cost_delta_usd: number;
  cost_delta_percent: number | null;
  calls_delta_percent: number | null;
}

/** What `biged usage-delta --json` prints. */
export interface UsageDeltaJson {
  group_by: UsageGroupBy;
  from_range: { from: string; to: string };
  to_range: { from: string; to: string };
  rows: UsageDeltaRowJson[];
  totals: Omit<UsageDeltaRowJson, 'key'>;
}

/**
 * An ISO 8601 date or date-time. A date alone means 00:00 UTC that day; as the end of a range it
 * means the whole day (the range ends at 00:00 UTC the next day).
 */
export function parseRangeTime(text: string, name: string, end: boolean): number {
  const trimmed = text.trim();
  if (DATE_ONLY.test(trimmed)) {
    const start = Date.parse(`${trimmed}T00:00:00.000Z`);
    if (Number.isFinite(start)) return end ? start + DAY_MS : start;
  } else if (/^\d{4}-\d{2}-\d{2}T/.test(trimmed)) {
    const time = Date.parse(trimmed);
    if (Number.isFinite(time)) return time;
  }
  throw new CliError({
    code: 'CLI_INVALID_OPTION',
    message: `${name} must be an ISO 8601 date (2025-01-31) or date-time (2025-01-31T12:00:00Z), got "${text}"`,
    hint: 'e.g. `biged usage-delta 2025-01-01 2025-01-07 2025-01-08 2025-01-14` compares two weeks',
  });
}

function range(start: string, end: string, label: string): { from: number; to: number } {
  const from = parseRangeTime(start, `${label}_start`, false);
  const to = parseRangeTime(end, `${label}_end`, true);
  if (to <= from) {
    throw new CliError({
      code: 'CLI_INVALID_OPTION',
      message: `${label}_end (${end}) must be after ${label}_start (${start})`,
    });
  }
  return { from, to };
}

/** `biged usage-delta`: compares usage between two date ranges, group by group. */
export function registerUsageDelta(program: Command, session: ProgramSession): void {
  program
    .command('usage-delta')
    .description('compare usage between two ISO date ranges (delta %, direction arrows)')
    .argument('<from_start>', 'first range start (ISO date or date-time)')
    .argument('<from_end>', 'first range end (a date alone includes that whole day)')
    .argument('<to_start>', 'second range start')
    .argument('<to_end>', 'second range end')
    .addOption(groupByOption())
    .action(
      async (
        fromStart: string,
        fromEnd: string,
        toStart: string,
        toEnd: string,
        options: { groupBy: UsageGroupBy },
        command: Command,
      ) => {
        const context = contextFor(session, command);
        const fromRange = range(fromStart, fromEnd, 'from');
        const toRange = range(toStart, toEnd, 'to');
        requireHome(context);
        const config = loadFleetConfig(context);
        const delta = await withQueue(context, config, (queue) =>
          createUsageLedger({ queue }).usageDelta(fromRange, toRange, { groupBy: options.groupBy }),
        );
        if (context.json) {
          context.printJson(deltaToJson(delta));
          return;
        }
        context.print(renderUsageDelta(delta));
      },
    );
}

function deltaToJson(delta: UsageDelta): UsageDeltaJson {
  const row = (entry: Omit<UsageDelta['rows'][number], 'key'>) => ({
    from: totalsToJson(entry.from),
    to: totalsToJson(entry.to),
    cost_delta_usd: entry.costDeltaUsd,
    cost_delta_percent: entry.costDeltaPercent,
    calls_delta_percent: entry.callsDeltaPercent,
  });
  return {
    group_by: delta.groupBy,
    from_range: delta.fromRange,
    to_range: delta.toRange,
    rows: delta.rows.map((entry) => ({ key: entry.key, ...row(entry) })),
    totals: row(delta.totals),
  };
}

/** The human form of `biged usage-delta`. */
export function renderUsageDelta(delta: UsageDelta): string {
  let text =
    `from ${delta.fromRange.from} to ${delta.fromRange.to}\n` +
    `  vs ${delta.toRange.from} to ${delta.toRange.to}, by ${delta.groupBy}\n\n`;
  if (delta.rows.length === 0) return `${text}no model calls recorded in either range\n`;
  const line = (key: string, entry: Omit<UsageDelta['rows'][number], 'key'>) => [
    key,
    formatCount(entry.from.calls),
    formatCount(entry.to.calls),
    formatDelta(entry.callsDeltaPercent, entry.to.calls),
    formatUsd(entry.from.costUsd),
    formatUsd(entry.to.costUsd),
    formatDelta(entry.costDeltaPercent, entry.to.costUsd),
  ];
  text += renderTable(
    [
      delta.groupBy.toUpperCase(),
      'CALLS BEFORE',
      'CALLS AFTER',
      'CALLS Δ',
      'COST BEFORE',
      'COST AFTER',
      'COST Δ',
    ],
    [...delta.rows.map((entry) => line(entry.key, entry)), line('TOTAL', delta.totals)],
  );
  return text;
}
