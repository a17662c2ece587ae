import { type FleetConfig, parsePayload, resolvePayloadPaths, type Task } from '@biged/core';
import type { TaskStore } from '@biged/queue';
import { parseSkillPayload, type Skill, type SkillRegistry } from '@biged/skill-sdk';
import { appendAudit, recordAudit } from '../audit-record';
import { type CommandContext, loadFleetConfig, requireHome, withStore } from '../context';
import { CliError } from '../errors';
import { EXIT_CODES } from '../exit-codes';
import { assertSkillAllowed } from '../network-mode';
import { renderTask } from '../output/render-task';
import { taskToJson } from '../output/task-json';
import { supervisorStatus } from './supervisor-status';

/** The fleet a submission is checked against: its config and every skill it can run. */
export interface LoadedFleet {
  config: FleetConfig;
  registry: SkillRegistry;
}

/** What `dispatch` and `task` hand to the shared checks. */
export interface TaskRequest {
  skill: string;
  /** The payload: JSON text (dispatch) or an already-parsed object (task). */
  payload: string | Record<string, unknown>;
}

/** How a checked task is queued. */
export interface EnqueueOptions {
  priority: number;
  assignedTo?: string | undefined;
  wait: boolean;
  /** With `wait`: give up after this many seconds (the task stays queued). */
  timeoutSecs?: number | undefined;
}

/** What `dispatch` and `task` hand to the shared submit path. */
export type SubmitRequest = TaskRequest & EnqueueOptions;

/** A task that passed every check and may be stored as is. */
export interface PreparedTask {
  skill: Skill;
  /** The payload as it will be stored: relative paths made absolute against the caller's cwd. */
  payload: Record<string, unknown>;
}

/** Fails without a home; loads fleet.toml and the skill registry (built-ins, `[skills] dirs` and `packages`). */
export async function loadFleet(context: CommandContext): Promise<LoadedFleet> {
  requireHome(context);
  const config = loadFleetConfig(context);
  const { loadFleetSkills } = await import('@biged/fleet'); // lazily: it loads the worker runtime
  const registry = await loadFleetSkills({ home: context.home, config });
  return { config, registry };
}

/**
 * Checks a submission without touching the queue: payload JSON and size, the skill exists, the fleet's
 * network mode allows it (`SKILL_NETWORK_DISABLED` offline / air-gap), and the payload matches the skill's
 * schema. Relative paths in the payload are made absolute against the caller's cwd.
 */
export function prepareTask(context: CommandContext, fleet: LoadedFleet, request: TaskRequest): PreparedTask {
  const { config, registry } = fleet;
  // Relative paths in the payload mean "from where I typed this"; the worker runs elsewhere.
  const payload = resolvePayloadPaths(
    parsePayload(request.payload, { maxBytes: config.queue.max_payload_bytes, skill: request.skill }),
    context.io.cwd,
  );
  const skill = registry.get(request.skill);
  assertSkillAllowed(skill, config);
  parseSkillPayload(skill, payload);
  return { skill, payload };
}

/** Stores a prepared task, prints it (or, with `wait`, waits for it and prints its result). */
export async function enqueueTask(
  context: CommandContext,
  store: TaskStore,
  prepared: PreparedTask,
  options: EnqueueOptions,
): Promise<void> {
  const task = await store.enqueue({
    skill: prepared.skill.name,
    payload: prepared.payload,
    priority: options.priority,
    ...(options.assignedTo ? { assignedTo: options.assignedTo } : {}),
  });
  const audit = {
    action: 'dispatch',
    resource: `task:${task.id}`,
    decision: 'allow' as const,
    detail: {
      skill: task.skill,
      priority: task.priority,
      ...(options.assignedTo ? { assignedTo: options.assignedTo } : {}),
    },
  };
  // The audit trail is the host's own (its fleet.db): the same file as a SQLite queue.
  const { sqliteQueueOf } = await import('@biged/queue');
  const sqlite = sqliteQueueOf(store);
  if (sqlite) appendAudit(context, sqlite, audit);
  else await recordAudit(context, audit);
  if (!options.wait) {
    if (context.json) {
      context.printJson({ id: task.id, skill: task.skill, status: task.status, priority: task.priority });
    } else {
      context.print(`queued task ${task.id} (${task.skill}, priority ${task.priority})\n`);
    }
    return;
  }
  if (!context.json) context.print(`queued task ${task.id} (${task.skill}, priority ${task.priority})\n`);
  const finished = await waitFor(context, task, options.timeoutSecs, (signal) =>
    store.waitForTask(task.id, signal ? { signal } : {}),
  );
  if (context.json) context.printJson(taskToJson(finished));
  else context.print(renderTask(finished));
  // SKIPPED (a dependency failed or was cancelled) is not a success either: same exit code as FAILED,
  // and the reason the queue recorded goes to stderr so it shows even with --json.
  if (finished.status === 'SKIPPED') {
    context.warn(`task ${finished.id} was SKIPPED: ${finished.error ?? 'no reason recorded'}`);
  }
  if (finished.status === 'FAILED' || finished.status === 'CANCELLED' || finished.status === 'SKIPPED') {
    context.setExitCode(EXIT_CODES.TASK_FAILED);
  }
}

/**
 * Validates everything (config, payload JSON and size, skill, network mode, schema) before the queue is
 * opened, so a rejected submission leaves the database untouched; then enqueues and optionally waits.
 */
export async function submitTask(context: CommandContext, request: SubmitRequest): Promise<void> {
  const fleet = await loadFleet(context);
  const prepared = prepareTask(context, fleet, request);
  await withStore(context, fleet.config, (store) => enqueueTask(context, store, prepared, request));
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
