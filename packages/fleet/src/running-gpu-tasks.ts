import { toError } from '@biged/core';
import type { TaskQueue } from '@biged/queue';

/** Options for `createRunningGpuTasks`. */
export interface CreateRunningGpuTasksOptions {
  /** The fleet's queue (only `list` is used). */
  queue: Pick<TaskQueue, 'list'>;
  /**
   * The skills that hold the GPU while they run: `[thermal] gpu_heavy_skills` (the built-in skills that
   * call the local model). Empty: always 0.
   */
  skills: readonly string[];
  /** Hears a queue read that failed (once per run of failures). Default: none. */
  onError?: (error: Error) => void;
}

/** Most RUNNING tasks counted per skill; more than this many running is "some", which is all that matters. */
const COUNT_LIMIT = 10_000;

/**
 * The count the hardware monitor's `runningGpuTasks` option wants: RUNNING tasks of GPU-heavy skills in the
 * queue now, so a tier swap waits `[thermal] grace_period_secs` only while such a task runs. A queue that
 * cannot be read gives `undefined` (unknown: the swap waits the whole grace period). Tasks a worker
 * claimed in a batch but has not started yet count as running, which only makes the swap wait longer.
 */
export function createRunningGpuTasks(options: CreateRunningGpuTasksOptions): () => number | undefined {
  const skills = [...new Set(options.skills)];
  let failing = false;
  return () => {
    try {
      let running = 0;
      for (const skill of skills) {
        running += options.queue.list({ status: 'RUNNING', skill, limit: COUNT_LIMIT }).length;
      }
      failing = false;
      return running;
    } catch (error) {
      if (!failing) options.onError?.(toError(error));
      failing = true;
      return undefined;
    }
  };
}
