import { type Budget, type BudgetStatus, budgetsFromConfig, createUsageLedger } from '@biged/queue';
import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome, withQueue } from '../context';
import { renderTable } from '../output/table';
import { formatUsd } from '../output/usage-format';

// NOTE: README.md "JSON output" documents this shape; keep the two in sync.

/** One skill as `biged budget --json` prints it. */
export interface BudgetJson {
  skill: string;
  limit_usd: number;
  spent_usd: number;
  reserved_usd: number;
  remaining_usd: number;
  exceeded: boolean;
  period: Budget['period'];
  enforcement: Budget['enforcement'];
  window_start: string;
  window_end: string;
}

/** What `biged budget --json` prints. */
export interface BudgetsJson {
  period: Budget['period'];
  enforcement: Budget['enforcement'];
  budgets: BudgetJson[];
}

const budgetToJson = (status: BudgetStatus): BudgetJson => ({
  skill: status.skill,
  limit_usd: status.limitUsd,
  spent_usd: status.spentUsd,
  reserved_usd: status.reservedUsd,
  remaining_usd: status.remainingUsd,
  exceeded: status.exceeded,
  period: status.period,
  enforcement: status.enforcement,
  window_start: status.windowStart,
  window_end: status.windowEnd,
});

/** `biged budget`: each `[budgets]` skill's limit, spend and reservations this period. */
export function registerBudget(program: Command, session: ProgramSession): void {
  program
    .command('budget')
    .description('budget status per skill from [budgets] in fleet.toml: limit, spent, reserved, remaining')
    .action(async (_options: unknown, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      const config = loadFleetConfig(context);
      const budgets = budgetsFromConfig(config);
      const statuses = await withQueue(context, config, (queue) => {
        const ledger = createUsageLedger({ queue });
        return budgets.map(({ skill, budget }) => ledger.budgetStatus({ skill, budget }));
      });
      const result: BudgetsJson = {
        period: config.budgets.period,
        enforcement: config.budgets.enforcement,
        budgets: statuses.map(budgetToJson),
      };
      if (context.json) {
        context.printJson(result);
        return;
      }
      if (statuses.length === 0) {
        context.print('no budgets set: add `<skill> = <USD>` lines under [budgets] in fleet.toml\n');
        return;
      }
      const window = statuses[0];
      context.print(
        `budgets per ${result.period} (${result.enforcement}), window ${window?.windowStart} to ${window?.windowEnd}\n\n`,
      );
      context.print(
        renderTable(
          ['SKILL', 'LIMIT', 'SPENT', 'RESERVED', 'REMAINING', 'ENFORCEMENT'],
          statuses.map((status) => [
            status.skill,
            formatUsd(status.limitUsd),
            formatUsd(status.spentUsd),
            formatUsd(status.reservedUsd),
            formatUsd(status.remainingUsd),
            status.exceeded ? `${status.enforcement} (EXCEEDED)` : status.enforcement,
          ]),
        ),
      );
    });
}
