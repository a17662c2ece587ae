import { BigedError } from '@biged/core';

const name = 'ScheduleError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Stable codes a {@link ScheduleError} carries.
 * - `SCHEDULE_INVALID`: a field of a schedule is wrong: the cron expression, the time zone, the name, the
 *   skill, the payload, the priority or `catch_up` (`schedule` and `field` are set).
 * - `SCHEDULE_NOT_FOUND`: no schedule with that name (`schedule` is set).
 * - `SCHEDULE_EXISTS`: `add` of a name already taken (`schedule` is set).
 * - `SCHEDULE_READ_ONLY`: `remove` of a schedule that comes from fleet.toml (remove it there).
 */
export type ScheduleErrorCode =
  | 'SCHEDULE_INVALID'
  | 'SCHEDULE_NOT_FOUND'
  | 'SCHEDULE_EXISTS'
  | 'SCHEDULE_READ_ONLY';

/** Options of the {@link ScheduleError} constructor. */
export interface ScheduleErrorOptions {
  /** The stable code. */
  code: ScheduleErrorCode;
  /** What went wrong, for a human. */
  message: string;
  /** The schedule name concerned, if any. */
  schedule?: string;
  /** The field concerned (`cron`, `timezone`, `payload`, ...), if any. */
  field?: string;
  /** The underlying error (e.g. croner's `RangeError`). */
  cause?: unknown;
  /** A short "try ..." hint for the operator. */
  hint?: string;
}

/** An error about a schedule. Check with `ScheduleError.isInstance(error)`, then switch on `code`. */
export class ScheduleError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The stable code; see {@link ScheduleErrorCode}. */
  declare readonly code: ScheduleErrorCode;
  /** The schedule, when the error is about one. */
  readonly schedule: string | undefined;
  /** The field, when the error is about one. */
  readonly field: string | undefined;

  constructor({ schedule, field, ...options }: ScheduleErrorOptions) {
    super({ name, ...options });
    this.schedule = schedule;
    this.field = field;
  }

  /** True when `error` is a ScheduleError from any copy of @biged/queue. */
  static override isInstance(error: unknown): error is ScheduleError {
    return BigedError.hasMarker(error, marker);
  }
}
