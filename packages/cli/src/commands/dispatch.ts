import type { Command } from 'commander';
import { contextFor, type ProgramSession } from '../context';
import { CliError } from '../errors';
import { parsePositiveInteger, parsePriority } from '../options';
import { submitTask } from './submit-task';

/** The `dispatch` default priority (the manual: default 9). */
export const DISPATCH_DEFAULT_PRIORITY = 9;

const base64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decodes `--b64` text (standard or URL-safe alphabet, whitespace ignored). */
export function decodeBase64Payload(text: string): string {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || !base64.test(compact)) {
    throw new CliError({
      code: 'CLI_INVALID_BASE64',
      message: 'the payload is not base64 (with --b64 the payload must be base64-encoded JSON)',
      hint: `encode it with e.g. \`echo -n '{"path":"."}' | base64\`, or drop --b64`,
    });
  }
  return Buffer.from(compact, 'base64').toString('utf8');
}

interface DispatchOptions {
  priority: string;
  assignedTo?: string;
  b64?: boolean;
  wait?: boolean;
  timeout?: string;
}

/** `biged dispatch <skill> <payload>`: queues one task for a skill, with a JSON payload. */
export function registerDispatch(program: Command, session: ProgramSession): void {
  program
    .command('dispatch')
    .description('queue a task for a skill with a JSON payload')
    .argument('<skill>', 'skill name, e.g. code_index')
    .argument('<payload>', `JSON object, e.g. '{"path": "."}'`)
    .option(
      '-p, --priority <n>',
      'priority from 1 to 10 (10 is most urgent)',
      String(DISPATCH_DEFAULT_PRIORITY),
    )
    .option('--assigned-to <agent>', 'only this agent may take the task')
    .option('--b64', 'the payload is base64-encoded JSON')
    .option('-w, --wait', 'block until the task ends and print its result')
    .option(
      '--timeout <secs>',
      'with --wait: give up waiting after this many seconds (the task stays queued)',
    )
    .action(async (skill: string, payload: string, options: DispatchOptions, command: Command) => {
      const context = contextFor(session, command);
      const priority = parsePriority(options.priority);
      const timeoutSecs =
        options.timeout === undefined ? undefined : parsePositiveInteger(options.timeout, '--timeout');
      await submitTask(context, {
        skill,
        payload: options.b64 ? decodeBase64Payload(payload) : payload,
        priority,
        assignedTo: options.assignedTo,
        wait: options.wait === true,
        timeoutSecs,
      });
    });
}
