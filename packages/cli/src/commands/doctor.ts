import type { Command } from 'commander';
import { contextFor, type ProgramSession } from '../context';
import { EXIT_CODES } from '../exit-codes';
import { renderTable } from '../output/table';
import { runDoctor } from './doctor-checks';

/** `biged doctor`: the smoke test; exit code 1 when any check fails. */
export function registerDoctor(program: Command, session: ProgramSession): void {
  program
    .command('doctor')
    .description(
      'smoke test: packages import, fleet.toml, fleet.db integrity, Ollama, skills, audit chain (exit 1 if a check fails)',
    )
    .option('--fast', 'PRAGMA quick_check instead of integrity_check, and no Ollama probe')
    .action(async (options: { fast?: boolean }, command: Command) => {
      const context = contextFor(session, command);
      const result = await runDoctor({ home: context.home, fast: options.fast === true });
      if (!result.ok) session.setExitCode(EXIT_CODES.USER_ERROR);
      if (context.json) {
        context.printJson(result);
        return;
      }
      context.print(
        `${renderTable(
          ['CHECK', 'STATUS', 'DETAIL'],
          result.checks.map((check) => [check.name, check.status.toUpperCase(), check.detail]),
        )}\n${result.ok ? 'all checks passed' : 'some checks failed'}\n`,
      );
    });
}
