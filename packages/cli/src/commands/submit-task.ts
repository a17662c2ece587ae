import { parsePayload, resolvePayloadPaths, type Task } from '@biged/core';
import { loadFleetSkills } from '@biged/fleet';
import { parseSkillPayload } from '@biged/skill-sdk';
import { type CommandContext, loadFleetConfig, requireHome, withQueue } from '../context';
import { CliError } from '../errors';
import { EXIT_CODES } from '../exit-codes';
import { renderTask } from '../output/render-task';
import { taskToJson } from '../output/task-json';
import { supervisorStatus } from './supervisor-status';

/** What `dispatch` and `task` hand to the shared submit path. */
export interface SubmitRequest {
  skill: string;
  /** The payload: JSON text (dispatch) or an already-parsed object (task). */
  payload: string | Record<string, unknown>;
  priority: number;
  assignedTo?: string | undefined;
  wait: boolean;
  /** With `wait`: give up after this many seconds (the task stays queued). */
  timeoutSecs?: number | undefined;
}

/**
 * Validates everything (config, payload JSON and size, skill, schema) before the queue is opened,
 * so a rejected submission leaves the database untouched; then enqueues and optionally waits.
 */
export async function submitTask(context: CommandContext, request: SubmitRequest): Promise<void> {
  requireHome(context);
  const config = loadFleetConfig(context);
  // Relative paths in the payload mean "from where I typed this"; the worker runs elsewhere.
  const payload = resolvePayloadPaths(
    parsePayload(request.payload, { maxBytes: config.queue.max_payload_bytes, skill: request.skill }),
    context.io.cwd,
  );
  const registry = await loadFleetSkills({ home: context.home, config });
  const skill = registry.get(request.skill);
  parseSkillPayload(skill, payload);

  await withQueue(context, config, async (queue) => {
    const task = queue.enqueue({
      skill: skill.name,
      payload,
      priority: request.priority,
      ...(request.assignedTo ? { assignedTo: request.assignedTo } : {}),
    });
    if (!request.wait) {
      if (context.json) {
        context.printJson({ id: task.id, skill: task.skill, status: task.status, priority: task.priority });
      } else {
        context.print(`queued task ${task.id} (${task.skill}, priority ${task.priority})\n`);
      }
      return;
    }
    if (!context.json) context.print(`queued task ${task.id} (${task.skill}, priority ${task.priority})\n`);
    const finished = await waitFor(context, task, request.timeoutSecs, (signal) =>
      queue.waitForTask(task.id, { signal }),
    );
    if (context.json) context.printJson(taskToJson(finished));
    else context.print(renderTask(finished));
    if (finished.status === 'FAILED' || finished.status === 'CANCELLED') {
      context.setExitCode(EXIT_CODES.TASK_FAILED);
    }
  });
}

async function waitFor(
  context: CommandContext,
  task: Task,
  timeoutSecs: number | undefined,
  wait: (signal: AbortSignal | undefined) => Promise<Task>,
): Promise<Task> {
  if (!supervisorStatus(context.home).running) {
    context.warn(`the fleet is not running: task ${task.id} waits in the queue until \`biged up\``);
  }
  const signal = timeoutSecs === undefined ? undefined : AbortSignal.timeout(timeoutSecs * 1000);
  try {
    return await wait(signal);
  } catch (error) {
    if (signal?.aborted) {
      throw new CliError({
        code: 'CLI_WAIT_TIMEOUT',
        message: `task ${task.id} did not finish within ${timeoutSecs}s; it stays queued`,
        hint: `check it later with \`biged result ${task.id}\`, or see the fleet with \`biged status\``,
        cause: error,
      });
    }
    throw error;
  }
}
