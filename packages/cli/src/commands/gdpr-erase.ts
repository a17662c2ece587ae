import { AGENT_NAME_PATTERN } from '@biged/queue';
import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome, withQueue } from '../context';
import { CliError } from '../errors';
import { EXIT_CODES } from '../exit-codes';
import { type GdprErasePlan, gdprErase, planGdprErase } from './gdpr-erase-engine';

const describePlan = (plan: GdprErasePlan): string =>
  `  messages sent or received: ${plan.messages}\n` +
  `  notes posted:              ${plan.notes}\n` +
  `  broadcast read receipts:   ${plan.messageReads}\n` +
  `  task results and errors:   ${plan.taskResults} (set to NULL; the task rows stay)\n` +
  `  knowledge files:           ${plan.knowledgeFiles.length}\n` +
  plan.knowledgeFiles.map((file) => `    ${file}\n`).join('');

/** `biged gdpr-erase <agent> --confirm`: erases an agent's messages, notes, results and knowledge files. */
export function registerGdprErase(program: Command, session: ProgramSession): void {
  program
    .command('gdpr-erase')
    .description(
      "erase an agent's messages, notes, task results and knowledge files, and record it in the audit trail; without --confirm only shows what would go (exit 1)",
    )
    .argument('<agent>', 'the agent (e.g. coder_1)')
    .option('--confirm', 'really erase (without it nothing is changed)')
    .action(async (agent: string, options: { confirm?: boolean }, command: Command) => {
      const context = contextFor(session, command);
      if (!AGENT_NAME_PATTERN.test(agent)) {
        throw new CliError({
          code: 'CLI_INVALID_OPTION',
          message: `"${agent}" is not an agent name (lower-case letters, digits, _ and -, starting with a letter)`,
          hint: 'list the agents with `biged status`',
        });
      }
      requireHome(context);
      const config = loadFleetConfig(context);
      const knowledgeDir = context.paths.knowledge;
      await withQueue(context, config, (queue) => {
        if (!options.confirm) {
          const plan = planGdprErase({ queue, agent, knowledgeDir });
          // A dry run must not pass for the erasure in a script.
          session.setExitCode(EXIT_CODES.USER_ERROR);
          if (context.json) {
            context.printJson({ erased: false, ...plan });
            return;
          }
          context.print(
            `would erase for ${agent}:\n${describePlan(plan)}nothing was changed; run again with --confirm to erase\n`,
          );
          return;
        }
        const result = gdprErase({ queue, agent, knowledgeDir, actor: 'cli' });
        if (context.json) {
          context.printJson({ erased: true, ...result });
          return;
        }
        context.print(
          `erased for ${agent}:\n${describePlan(result)}recorded as audit row ${result.auditId}\n`,
        );
      });
    });
}
