import type { Command } from 'commander';
import { contextFor, type ProgramSession, requireHome } from '../context';
import { CliError } from '../errors';

/** Longest `--error` text accepted (a pasted stack trace fits easily). */
export const REPORT_MAX_ERROR_CHARS = 64 * 1024;
/** Most `--steps` accepted. */
export const REPORT_MAX_STEPS = 100;

/** `biged report`: writes a sanitized debug report to reports/debug/. */
export function registerReport(program: Command, session: ProgramSession): void {
  program
    .command('report')
    .description(
      'write a debug report (platform, hardware, fleet state, error, log tails, config) to reports/debug/; secrets and home paths are removed',
    )
    .option('--error <text>', 'the error you saw (text or a stack trace)')
    .option('--steps <step...>', 'steps to reproduce, one argument each')
    .action(async (options: { error?: string; steps?: string[] }, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      if (options.error !== undefined && options.error.length > REPORT_MAX_ERROR_CHARS) {
        throw new CliError({
          code: 'CLI_INVALID_OPTION',
          message: `--error is ${options.error.length} characters; at most ${REPORT_MAX_ERROR_CHARS} are accepted`,
          hint: 'keep the message and the top of the stack trace',
        });
      }
      const steps = options.steps ?? [];
      if (steps.length > REPORT_MAX_STEPS) {
        throw new CliError({
          code: 'CLI_INVALID_OPTION',
          message: `--steps has ${steps.length} steps; at most ${REPORT_MAX_STEPS} are accepted`,
        });
      }
      const { writeDebugReport } = await import('@biged/fleet'); // lazily: it loads the worker runtime
      const { file, report } = writeDebugReport({
        home: context.home,
        component: 'cli',
        ...(options.error === undefined ? {} : { error: options.error }),
        steps,
      });
      if (context.json) {
        context.printJson({ file, report });
        return;
      }
      context.print(
        `debug report written to ${file}\n` +
          'secrets and home paths were removed; read it before you attach it to an issue\n',
      );
    });
}
