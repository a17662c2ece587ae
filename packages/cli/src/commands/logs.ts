import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { contextFor, type ProgramSession, requireHome } from '../context';
import { CliError } from '../errors';
import { parsePositiveInteger } from '../options';
import { formatLogLine } from '../output/format-log-line';
import { readLastLines } from '../output/read-last-lines';

/** The `logs --tail` default. */
export const LOGS_DEFAULT_TAIL = 30;

// Agent names are file stems inside logs/; anything with a separator would read outside it.
const safeName = /^[A-Za-z0-9_.-]+$/;

const availableLogs = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((file) => file.endsWith('.log'))
        .map((file) => file.slice(0, -'.log'.length))
        .sort()
    : [];

/** `biged logs <agent> [--tail N]`: the last lines of an agent's (or the supervisor's) log. */
export function registerLogs(program: Command, session: ProgramSession): void {
  program
    .command('logs')
    .description('show the last lines of an agent log (logs/<agent>.log)')
    .argument('<agent>', 'agent name (e.g. researcher, coder_1) or "supervisor"')
    .option('-n, --tail <n>', 'how many lines', String(LOGS_DEFAULT_TAIL))
    .action(async (agent: string, options: { tail: string }, command: Command) => {
      const context = contextFor(session, command);
      const tail = parsePositiveInteger(options.tail, '--tail');
      requireHome(context);
      const file = path.join(context.paths.logs, `${agent}.log`);
      if (!safeName.test(agent) || agent.startsWith('.') || !existsSync(file)) {
        const available = availableLogs(context.paths.logs);
        throw new CliError({
          code: 'CLI_LOG_NOT_FOUND',
          message: `no log for "${agent}" in ${context.paths.logs}`,
          hint:
            available.length > 0
              ? `available: ${available.join(', ')}`
              : 'no logs yet: the fleet writes them once it runs (`biged up --detach`)',
        });
      }
      const lines = readLastLines(file, tail);
      // --json: the raw JSON lines (NDJSON), exactly as the fleet wrote them.
      const rendered = context.json ? lines : lines.map(formatLogLine);
      if (rendered.length > 0) context.print(`${rendered.join('\n')}\n`);
    });
}
