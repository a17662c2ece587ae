import { DEFAULT_PRIORITY, parsePayload } from '@biged/core';
import type { Command } from 'commander';
import { contextFor, type ProgramSession, withStore } from '../context';
import { CliError } from '../errors';
import { parsePositiveInteger, parsePriority } from '../options';
import { printInterpretation, runConductorTask } from './conductor-task';
import { enqueueTask, loadFleet, prepareTask } from './submit-task';

/** A raw JSON task split into its skill and payload. */
export interface RawTask {
  skill: string;
  payload: Record<string, unknown>;
}

/** True when `text` is meant as the JSON form (it starts with `{` or `[`); anything else is a sentence. */
export function isJsonTask(text: string): boolean {
  const trimmed = text.trim();
  return trimmed.startsWith('{') || trimmed.startsWith('[');
}

/**
 * Reads the manual's raw JSON task forms:
 * `{"skill": "web_search", "query": "..."}` (the rest of the keys are the payload) and
 * `{"type": "memory_optimizer", "payload": {...}}` (an explicit `payload` object wins).
 * Text that is not the JSON form (see `isJsonTask`) is refused: it goes to the conductor instead.
 */
export function parseRawTask(text: string): RawTask {
  if (!isJsonTask(text)) {
    throw new CliError({
      code: 'CLI_TASK_NO_SKILL',
      message: 'the task is not a JSON object: a plain sentence goes to the conductor model',
      hint: `e.g. biged task '{"skill":"code_index","path":"."}'`,
    });
  }
  const { skill, type, payload, ...rest } = parsePayload(text.trim());
  const name = skill ?? type;
  if (typeof name !== 'string' || name.length === 0) {
    throw new CliError({
      code: 'CLI_TASK_NO_SKILL',
      message: 'the task JSON needs a "skill" (or "type") field naming the skill',
      hint: `e.g. biged task '{"skill":"code_index","path":"."}'`,
    });
  }
  if (payload !== undefined) {
    return { skill: name, payload: parsePayload(payload, { skill: name }) };
  }
  return { skill: name, payload: rest };
}

interface TaskOptions {
  priority: string;
  assignedTo?: string;
  wait?: boolean;
  timeout?: string;
  yes?: boolean;
  dryRun?: boolean;
}

/**
 * `biged task "<sentence>"` (the conductor model picks the skill and payload) and
 * `biged task '<json>'` (the manual's raw JSON task).
 */
export function registerTask(program: Command, session: ProgramSession): void {
  program
    .command('task')
    .description(
      `queue a task said in plain words ("index the code in .") or given as JSON ('{"skill":"code_index","path":"."}')`,
    )
    .argument(
      '<task>',
      'a sentence for the conductor model, or a JSON object with a "skill" (or "type") field',
    )
    .option('-p, --priority <n>', 'priority from 1 to 10 (10 is most urgent)', String(DEFAULT_PRIORITY))
    .option('--assigned-to <agent>', 'only this agent may take the task')
    .option('-w, --wait', 'block until the task ends and print its result')
    .option(
      '--timeout <secs>',
      'with --wait: give up waiting after this many seconds (the task stays queued)',
    )
    .option('-y, --yes', 'dispatch without asking, even when the conductor is not sure')
    .option('--dry-run', 'print the interpretation ({skill, payload, confidence}) and dispatch nothing')
    .action(async (text: string, options: TaskOptions, command: Command) => {
      const context = contextFor(session, command);
      const priority = parsePriority(options.priority);
      const timeoutSecs =
        options.timeout === undefined ? undefined : parsePositiveInteger(options.timeout, '--timeout');
      const run = {
        priority,
        assignedTo: options.assignedTo,
        wait: options.wait === true,
        timeoutSecs,
        yes: options.yes === true,
        dryRun: options.dryRun === true,
      };
      if (!isJsonTask(text)) {
        await runConductorTask(context, text, run);
        return;
      }
      const raw = parseRawTask(text);
      const fleet = await loadFleet(context);
      const prepared = prepareTask(context, fleet, raw);
      if (run.dryRun) {
        printInterpretation(context, {
          skill: prepared.skill.name,
          payload: prepared.payload,
          confidence: null,
        });
        return;
      }
      await withStore(context, fleet.config, (store) => enqueueTask(context, store, prepared, run));
    });
}
