import { hostname } from 'node:os';
import { type FleetConfig, type Logger, toError } from '@biged/core';
import {
  createScheduleStore,
  type ScheduleDefinition,
  type ScheduleStore,
  type ScheduleTickResult,
  type TaskQueue,
} from '@biged/queue';

/** Default scheduler tick: every second. */
export const DEFAULT_SCHEDULER_TICK_MS = 1000;

/** Options of `startScheduler`. */
export interface StartSchedulerOptions {
  /** The supervisor's queue (made by `createQueue`). */
  queue: TaskQueue;
  /** Its `[[schedules]]` are synced into the queue (source `config`) on start. */
  config: FleetConfig;
  log: Logger;
  /** How often it ticks, in ms. Default 1000. */
  tickMs?: number;
  /** Now in epoch ms (tests drive a simulated clock). Default `Date.now`. */
  clock?: () => number;
  /** Recorded in `schedule_fires.fired_by`. Default `supervisor@<host>:<pid>`. */
  firedBy?: string;
  /** Due times older than this are missed and follow `catch_up`. Default 60000. */
  graceMs?: number;
  /** Start the interval timer. Default true; `false`: only `tick()` calls fire (tests). */
  timer?: boolean;
}

/** A running scheduler. */
export interface Scheduler {
  /** Fires what is due now (what the timer calls); undefined when the tick failed (it is logged). */
  tick(): ScheduleTickResult | undefined;
  /** Stops the timer. */
  stop(): void;
  /** The store it fires from. */
  readonly store: ScheduleStore;
}

/** `[[schedules]]` entries as the store takes them. */
export function scheduleDefinitionsFromConfig(config: FleetConfig): ScheduleDefinition[] {
  return config.schedules.map((entry) => ({
    name: entry.name,
    cron: entry.cron,
    timezone: entry.timezone ?? null,
    skill: entry.skill,
    payload: entry.payload,
    priority: entry.priority,
    catchUp: entry.catch_up,
    enabled: entry.enabled,
  }));
}

/**
 * The supervisor's scheduler: syncs `[[schedules]]` into the queue, then ticks every `tickMs`. Each
 * tick fires every due time exactly once even when several supervisors share the database (see
 * `ScheduleStore.tick`). A bad `[[schedules]]` entry is logged and the table is left as it was.
 */
export function startScheduler(options: StartSchedulerOptions): Scheduler {
  const { queue, config, log } = options;
  const clock = options.clock ?? Date.now;
  const firedBy = options.firedBy ?? `supervisor@${hostname()}:${process.pid}`;
  const store = createScheduleStore({ queue });
  try {
    const synced = store.sync(scheduleDefinitionsFromConfig(config));
    if (synced.added.length + synced.updated.length + synced.removed.length > 0)
      log.info('schedules synced', { ...synced });
    for (const name of synced.conflicts) {
      log.warn('[[schedules]] entry not applied: a schedule added with `biged schedule add` has its name', {
        schedule: name,
      });
    }
  } catch (error) {
    log.error('[[schedules]] not synced', { error: toError(error).message });
  }
  const tick = (): ScheduleTickResult | undefined => {
    try {
      const result = store.tick({
        firedBy,
        now: clock(),
        ...(options.graceMs === undefined ? {} : { graceMs: options.graceMs }),
      });
      for (const fire of result.fired) {
        log.info('schedule fired', {
          schedule: fire.schedule,
          dueAt: new Date(fire.dueAt).toISOString(),
          taskId: fire.taskId,
        });
      }
      for (const skip of result.skipped) {
        log.info('schedule skipped missed runs (catch_up = "skip")', {
          schedule: skip.schedule,
          through: new Date(skip.through).toISOString(),
        });
      }
      return result;
    } catch (error) {
      log.warn('scheduler tick failed', { error: toError(error).message });
      return undefined;
    }
  };
  const timer =
    options.timer === false ? undefined : setInterval(tick, options.tickMs ?? DEFAULT_SCHEDULER_TICK_MS);
  timer?.unref();
  return {
    store,
    tick,
    stop() {
      if (timer) clearInterval(timer);
    },
  };
}
