import { existsSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AgentSpec,
  affinityOf,
  BigedError,
  type FleetConfig,
  type FleetPaths,
  type Logger,
  PayloadError,
  type Task,
  toError,
} from '@biged/core';
import type { TaskQueue } from '@biged/queue';
import { runSkill, type SkillRegistry } from '@biged/skill-sdk';

/** Options for `runWorker`. */
export interface RunWorkerOptions {
  agent: AgentSpec;
  config: FleetConfig;
  paths: FleetPaths;
  queue: TaskQueue;
  skills: SkillRegistry;
  log: Logger;
  /** Idle poll interval bounds in ms: the worker backs off from `min` to `max` while the queue is empty. Default 5..250. */
  idlePollMs?: { min: number; max: number };
  /** Called after every finished task (tests, benchmarks). */
  onTaskFinished?: (task: Task, outcome: 'DONE' | 'FAILED' | 'RETRY' | 'CANCELLED') => void;
}

/** A running worker loop. */
export interface WorkerHandle {
  /** Stops claiming; lets the running task finish for up to `graceMs`, then aborts it. Resolves when the loop ended. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when the loop has ended. */
  done: Promise<void>;
  /** The task being run, if any. */
  readonly currentTaskId: number | null;
}

type Outcome =
  | { kind: 'done'; result: unknown }
  | { kind: 'failed'; error: string; retry: boolean }
  | { kind: 'cancelled' };

const NO_RETRY_CODES = new Set(['SKILL_NETWORK_DISABLED', 'SKILL_NOT_FOUND', 'SKILL_RESULT_NOT_JSON']);

const PATH_KEYS = ['path', 'paths', 'dir', 'root', 'file', 'files'];

/** Directories a task payload names explicitly; the worker lets the skill read inside them. */
function readRootsOf(payload: Record<string, unknown>): string[] {
  const roots: string[] = [];
  for (const key of PATH_KEYS) {
    const value = payload[key];
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) {
      if (typeof item === 'string' && item.length > 0) {
        const absolute = path.resolve(item);
        if (existsSync(absolute)) roots.push(absolute);
      }
    }
  }
  return roots;
}

/**
 * The worker loop: claim (by assignment, then role affinity, then priority and age), run the skill with
 * its timeout and a cancellation signal, heartbeat while it runs, store the result or error, and claim the
 * next task in the same transaction that finished the last one.
 */
export function runWorker(options: RunWorkerOptions): WorkerHandle {
  const { agent, config, paths, queue, skills, log } = options;
  const idle = options.idlePollMs ?? { min: 5, max: 250 };
  const heartbeatMs = config.fleet.heartbeat_interval_secs * 1000;
  const claimOptions = {
    skills: skills.list().map((skill) => skill.name),
    preferredSkills: affinityOf(config, agent),
  };
  const claimRequest = { agent: agent.name, ...claimOptions };
  let stopping = false;
  let current: { task: Task; controller: AbortController } | null = null;
  let wake: (() => void) | null = null;

  const runOne = async (task: Task): Promise<Outcome> => {
    const controller = new AbortController();
    current = { task, controller };
    queue.agentHeartbeat(agent.name, { status: 'BUSY', currentTaskId: task.id });
    const taskLog = log.child({ taskId: task.id, skill: task.skill });
    const beat = setInterval(() => {
      try {
        const state = queue.heartbeat(task.id, agent.name);
        queue.agentHeartbeat(agent.name, { status: 'BUSY', currentTaskId: task.id });
        if (state.cancelled || state.lost)
          controller.abort(new Error(state.cancelled ? 'task cancelled' : 'task lost'));
      } catch (error) {
        taskLog.warn('heartbeat failed', { error: toError(error).message });
      }
    }, heartbeatMs);
    beat.unref();
    try {
      if (!skills.has(task.skill)) {
        return { kind: 'failed', error: `unknown skill "${task.skill}"`, retry: false };
      }
      const skill = skills.get(task.skill);
      const timeoutMs = config.skills.timeouts[task.skill]
        ? config.skills.timeouts[task.skill]! * 1000
        : task.timeoutMs;
      taskLog.info('task started', { attempt: task.attempts });
      const { result } = await runSkill(skill, task.payload, {
        config,
        home: paths.home,
        log: taskLog,
        signal: controller.signal,
        timeoutMs,
        readRoots: readRootsOf(task.payload),
        task: { id: task.id, attempt: task.attempts, agent: agent.name },
        queue: {
          spawn: async (child) => queue.enqueue({ ...child, parentId: task.id }).id,
        },
      });
      taskLog.info('task done');
      return { kind: 'done', result: result ?? null };
    } catch (error) {
      if (controller.signal.aborted && queue.get(task.id)?.status === 'CANCELLED') {
        taskLog.info('task cancelled');
        return { kind: 'cancelled' };
      }
      const failure = toError(error);
      // A payload that fails the skill's schema, or a network skill in offline mode, fails the same way
      // every time: no retry.
      const retry =
        !PayloadError.isInstance(failure) &&
        !(BigedError.isInstance(failure) && NO_RETRY_CODES.has(failure.code));
      const code = BigedError.isInstance(failure) ? `${failure.code}: ` : '';
      taskLog.error('task failed', { error: failure.message, retry });
      return { kind: 'failed', error: `${code}${failure.message}`, retry };
    } finally {
      clearInterval(beat);
      current = null;
    }
  };

  const loop = async () => {
    queue.agentHeartbeat(agent.name, { status: 'IDLE', currentTaskId: null });
    let lastHeartbeat = Date.now();
    let pollMs = idle.min;
    let next: Task | undefined;
    while (!stopping) {
      if (!next) next = queue.claim(claimRequest);
      if (!next) {
        if (Date.now() - lastHeartbeat >= heartbeatMs) {
          queue.agentHeartbeat(agent.name, { status: 'IDLE', currentTaskId: null });
          lastHeartbeat = Date.now();
        }
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pollMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wake = null;
        pollMs = Math.min(idle.max, pollMs * 2);
        continue;
      }
      pollMs = idle.min;
      const task = next;
      next = undefined;
      const outcome = await runOne(task);
      const claimNext = stopping ? undefined : claimOptions;
      if (outcome.kind === 'done') {
        if (claimNext) next = queue.completeAndClaim(task.id, agent.name, outcome.result, claimNext).next;
        else queue.complete(task.id, agent.name, outcome.result);
        options.onTaskFinished?.(task, 'DONE');
      } else if (outcome.kind === 'failed') {
        let failed: Task | undefined;
        if (claimNext) {
          ({ failed, next } = queue.failAndClaim(task.id, agent.name, outcome.error, claimNext, {
            retry: outcome.retry,
          }));
        } else {
          failed = queue.fail(task.id, agent.name, outcome.error, { retry: outcome.retry });
        }
        options.onTaskFinished?.(task, failed?.status === 'PENDING' ? 'RETRY' : 'FAILED');
      } else {
        options.onTaskFinished?.(task, 'CANCELLED');
      }
      if (!next) {
        queue.agentHeartbeat(agent.name, { status: 'IDLE', currentTaskId: null });
        lastHeartbeat = Date.now();
      }
    }
    if (next) {
      // Claimed in the same transaction as the last completion, but we are stopping: hand it back.
      queue.fail(next.id, agent.name, 'worker stopping', { retry: true });
    }
  };

  const done = loop();
  return {
    get currentTaskId() {
      return current?.task.id ?? null;
    },
    done,
    async stop(graceMs = config.workers.shutdown_grace_secs * 1000) {
      stopping = true;
      wake?.();
      const timer = sleep(graceMs, undefined, { ref: false }).then(() => {
        current?.controller.abort(new Error('worker stopping'));
      });
      await Promise.race([done, timer]);
      await done;
    },
  };
}
