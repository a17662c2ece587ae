import { DEFAULT_PRIORITY, parsePayload } from '@biged/core';
import type { Command } from 'commander';
import { contextFor, type ProgramSession } from '../context';
import { CliError } from '../errors';
import { parsePositiveInteger, parsePriority } from '../options';
import { submitTask } from './submit-task';

/** A raw JSON task split into its skill and payload. */
export interface RawTask {
  skill: string;
  payload: Record<string, unknown>;
}

/**
 * Reads the manual's raw JSON task forms:
 * `{"skill": "web_search", "query": "..."}` (the rest of the keys are the payload) and
 * `{"type": "memory_optimizer", "payload": {...}}` (an explicit `payload` object wins).
 * Anything that is not JSON is a plain sentence, which needs the conductor model.
 */
export function parseRawTask(text: string): RawTask {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) {
    throw new CliError({
      code: 'CLI_NATURAL_LANGUAGE_UNSUPPORTED',
      message:
        'natural-language tasks are not supported yet: parsing a sentence into a skill arrives with the conductor (model router)',
      hint: `use the JSON form, e.g. biged task '{"skill":"knowledge_search","query":"..."}', or biged dispatch <skill> '<json>'`,
    });
  }
  const { skill, type, payload, ...rest } = parsePayload(trimmed);
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
}

/** `biged task '<json>'`: queues a task given as one JSON object. */
export function registerTask(program: Command, session: ProgramSession): void {
  program
    .command('task')
    .description(`queue a task given as one JSON object: '{"skill":"code_index","path":"."}'`)
    .argument('<task>', 'the task as a JSON object with a "skill" (or "type") field')
    .option('-p, --priority <n>', 'priority from 1 to 10 (10 is most urgent)', String(DEFAULT_PRIORITY))
    .option('--assigned-to <agent>', 'only this agent may take the task')
    .option('-w, --wait', 'block until the task ends and print its result')
    .option(
      '--timeout <secs>',
      'with --wait: give up waiting after this many seconds (the task stays queued)',
    )
    .action(async (text: string, options: TaskOptions, command: Command) => {
      const context = contextFor(session, command);
      const priority = parsePriority(options.priority);
      const timeoutSecs =
        options.timeout === undefined ? undefined : parsePositiveInteger(options.timeout, '--timeout');
      const { skill, payload } = parseRawTask(text);
      await submitTask(context, {
        skill,
        payload,
        priority,
        assignedTo: options.assignedTo,
        wait: options.wait === true,
        timeoutSecs,
      });
    });
}
