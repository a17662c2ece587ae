import { Cron } from 'croner';
import { ScheduleError } from './errors/schedule-error';

// NOTE: packages/queue/README.md ("Schedules") describes the catch-up rule; keep both in sync.

/** How a schedule treats due times it missed while no scheduler ran. */
export type ScheduleCatchUp = 'skip' | 'once';

/** A due time older than this (ms) when a tick sees it counts as missed. Default 60 s. */
export const DEFAULT_SCHEDULE_GRACE_MS = 60_000;
/** Most due times one tick fires for one schedule (a `* * * * * *` cron with a long pause). */
const MAX_FIRES_PER_TICK = 1000;

/** Builds a croner job that never runs by itself (only `nextRun` / `previousRuns` are used). */
export function compileCron(cron: string, timezone?: string | null, schedule?: string): Cron {
  const fields = cron.trim().split(/\s+/).length;
  if (fields !== 5 && fields !== 6) {
    throw new ScheduleError({
      code: 'SCHEDULE_INVALID',
      field: 'cron',
      ...(schedule === undefined ? {} : { schedule }),
      message: `cron ${JSON.stringify(cron)} has ${fields} fields; use 5 (minute hour day month weekday) or 6 (seconds first)`,
      hint: 'e.g. "0 3 * * *" for 03:00 every day',
    });
  }
  let job: Cron;
  try {
    job = new Cron(cron, { paused: true, ...(timezone ? { timezone } : { timezone: 'UTC' }) });
  } catch (error) {
    throw new ScheduleError({
      code: 'SCHEDULE_INVALID',
      field: 'cron',
      ...(schedule === undefined ? {} : { schedule }),
      message: `cron ${JSON.stringify(cron)} is not valid: ${(error as Error).message}`,
      cause: error,
    });
  }
  try {
    job.nextRun(new Date(0));
  } catch (error) {
    throw new ScheduleError({
      code: 'SCHEDULE_INVALID',
      field: 'timezone',
      ...(schedule === undefined ? {} : { schedule }),
      message: `time zone ${JSON.stringify(timezone)} is not an IANA time zone name`,
      hint: 'e.g. "Europe/Berlin" or "America/New_York"',
      cause: error,
    });
  }
  return job;
}

/** What `planScheduleTick` takes. */
export interface ScheduleTickInput {
  /** The schedule's compiled cron (`compileCron`). */
  cron: Cron;
  catchUp: ScheduleCatchUp;
  /** The last due time handled (epoch ms), or the schedule's creation time when none was. */
  after: number;
  /** Now (epoch ms). */
  now: number;
  /** Due times older than this at `now` are missed. Default `DEFAULT_SCHEDULE_GRACE_MS`. */
  graceMs?: number;
}

/** What a tick does for one schedule. */
export interface ScheduleTickPlan {
  /** Due times to enqueue a task for, oldest first. */
  fire: number[];
  /** Missed due times passed over without a task (`catch_up = "skip"`); the latest of them, or undefined. */
  skippedThrough: number | undefined;
  /** The new `last_due_at` (the latest due time fired or skipped), or undefined when nothing was due. */
  lastDueAt: number | undefined;
}

/** The latest due time at or before `time`, or undefined (croner's `previousRuns` skips `time` itself). */
function latestAtOrBefore(cron: Cron, time: number): number | undefined {
  const runs = cron.previousRuns(2, new Date(time + 1000));
  return runs.map((date) => date.getTime()).find((at) => at <= time);
}

/**
 * Which due times of a schedule are due now: the due times after `after` and at or before `now`. Those
 * within `graceMs` of `now` are fired, each one; older ones were missed (the fleet was down, or no
 * scheduler ran): `skip` passes over them (only `last_due_at` advances) and `once` fires one task, at
 * the latest missed due time, for all of them. Pure: the same input gives the same plan.
 */
export function planScheduleTick({
  cron,
  catchUp,
  after,
  now,
  graceMs = DEFAULT_SCHEDULE_GRACE_MS,
}: ScheduleTickInput): ScheduleTickPlan {
  const first = cron.nextRun(new Date(after))?.getTime();
  if (first === undefined || first > now)
    return { fire: [], skippedThrough: undefined, lastDueAt: undefined };
  const cutoff = now - graceMs;
  const fire: number[] = [];
  let skippedThrough: number | undefined;
  let from = after;
  if (first < cutoff) {
    // Some due times were missed: find the latest of them without walking through all of them.
    const missed = latestAtOrBefore(cron, Math.ceil(cutoff) - 1) ?? first;
    if (catchUp === 'once') fire.push(missed);
    else skippedThrough = missed;
    from = missed;
  }
  for (let next = cron.nextRun(new Date(from)); next && next.getTime() <= now; next = cron.nextRun(next)) {
    fire.push(next.getTime());
    if (fire.length >= MAX_FIRES_PER_TICK) break;
  }
  const lastDueAt = fire.length > 0 ? fire[fire.length - 1] : skippedThrough;
  return { fire, skippedThrough, lastDueAt };
}
