import { BigedError } from '@biged/core/startup';

const name = 'QueueError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Stable codes a {@link QueueError} carries.
 * - `QUEUE_TASK_NOT_FOUND`: no task with that id (`taskId` is set).
 * - `QUEUE_INVALID_PRIORITY`: priority is not a whole number from 1 to 10.
 * - `QUEUE_INVALID_SKILL`: the skill name does not match `/^[a-z][a-z0-9_.-]*$/`.
 * - `QUEUE_INVALID_ARGUMENT`: another option is out of range (max attempts, timeout, limit, ttl).
 * - `QUEUE_INVALID_TRANSITION`: the task's status does not allow the change (e.g. cancelling a DONE task).
 * - `QUEUE_DB_LOCKED`: another connection held the write lock longer than `busyTimeoutMs`; nothing was written.
 * - `QUEUE_DB_CORRUPT`: the database file is not SQLite or is damaged (`file` is set); it was not modified.
 * - `QUEUE_DB_OPEN_FAILED`: the file could not be opened or migrated (`file` is set).
 * - `QUEUE_BUDGET_EXCEEDED`: a `block` budget would be passed by the call; nothing was reserved (`skill` is set).
 * - `QUEUE_RESERVATION_NOT_FOUND`: no usage reservation with that id (`reservationId` is set).
 * - `QUEUE_DEPENDENCY_NOT_FOUND`: a `dependsOn` entry names no task: `taskId` (an unknown id) or `ref`
 *   (a reference that no request of the `submitMany` batch carries). Nothing was stored.
 * - `QUEUE_ALERT_NOT_FOUND`: no alert with that id (`alertId` is set).
 * - `QUEUE_INVALID_MESSAGE`: a message or note body is not JSON text of an object, or is larger than
 *   `maxPayloadBytes`; nothing was stored.
 * - `QUEUE_DEPENDENCY_CYCLE`: the requests of a `submitMany` batch depend on each other in a circle
 *   (`cycle` lists the refs, first one repeated at the end). Nothing was stored.
 * - `QUEUE_HITL_NOT_FOUND`: no human-in-the-loop request with that id (`hitlRequestId` is set).
 * - `QUEUE_HITL_NOT_OPEN`: the human-in-the-loop request was already answered (`hitlRequestId` is set).
 * - `QUEUE_DB_UNAVAILABLE`: the PostgreSQL server cannot be reached (down, restarting, connection lost);
 *   the call may or may not have been applied when the connection broke mid-commit. The next call
 *   reconnects.
 * - `QUEUE_CLOSED`: the store (or queue) was closed; open a new one.
 * - `QUEUE_POSTGRES_UNAVAILABLE`: the PostgreSQL server binaries (initdb, pg_ctl) needed by the test
 *   harness `startTestPostgres` are missing, or its cluster did not start.
 */
export type QueueErrorCode =
  | 'QUEUE_TASK_NOT_FOUND'
  | 'QUEUE_INVALID_PRIORITY'
  | 'QUEUE_INVALID_SKILL'
  | 'QUEUE_INVALID_ARGUMENT'
  | 'QUEUE_INVALID_TRANSITION'
  | 'QUEUE_DB_LOCKED'
  | 'QUEUE_DB_CORRUPT'
  | 'QUEUE_DB_OPEN_FAILED'
  | 'QUEUE_BUDGET_EXCEEDED'
  | 'QUEUE_RESERVATION_NOT_FOUND'
  | 'QUEUE_DEPENDENCY_NOT_FOUND'
  | 'QUEUE_DEPENDENCY_CYCLE'
  | 'QUEUE_ALERT_NOT_FOUND'
  | 'QUEUE_INVALID_MESSAGE'
  | 'QUEUE_HITL_NOT_FOUND'
  | 'QUEUE_HITL_NOT_OPEN'
  | 'QUEUE_DB_UNAVAILABLE'
  | 'QUEUE_CLOSED'
  | 'QUEUE_POSTGRES_UNAVAILABLE'
  | 'QUEUE_TARGET_NOT_EMPTY';

/** Options of the {@link QueueError} constructor. */
export interface QueueErrorOptions {
  /** The stable code. */
  code: QueueErrorCode;
  /** What went wrong, for a human. */
  message: string;
  /** The task concerned, if any. */
  taskId?: number;
  /** The database file concerned, if any. */
  file?: string;
  /** The skill whose budget is concerned, if any. */
  skill?: string;
  /** The usage reservation concerned, if any. */
  reservationId?: number;
  /** The in-batch reference concerned (`submitMany`), if any. */
  ref?: string;
  /** The alert concerned, if any. */
  alertId?: number;
  /** The references that form a dependency cycle, first one repeated at the end. */
  cycle?: readonly string[];
  /** The human-in-the-loop request concerned, if any. */
  hitlRequestId?: number;
  /** The underlying error (e.g. the better-sqlite3 `SqliteError`). */
  cause?: unknown;
  /** A short "try ..." hint for the operator. */
  hint?: string;
}

/** An error raised by @biged/queue. Check with `QueueError.isInstance(error)`, then switch on `code`. */
export class QueueError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The stable code; see {@link QueueErrorCode}. */
  declare readonly code: QueueErrorCode;
  /** The task concerned, when the error is about one task. */
  readonly taskId: number | undefined;
  /** The database file, when the error is about the file. */
  readonly file: string | undefined;
  /** The skill, when the error is about its budget. */
  readonly skill: string | undefined;
  /** The usage reservation, when the error is about one. */
  readonly reservationId: number | undefined;
  /** The in-batch reference, when the error is about one (`submitMany`). */
  readonly ref: string | undefined;
  /** The alert, when the error is about one. */
  readonly alertId: number | undefined;
  /** The refs of a dependency cycle (`QUEUE_DEPENDENCY_CYCLE`), first one repeated at the end. */
  readonly cycle: readonly string[] | undefined;
  /** The human-in-the-loop request, when the error is about one. */
  readonly hitlRequestId: number | undefined;

  constructor({
    taskId,
    file,
    skill,
    reservationId,
    ref,
    alertId,
    cycle,
    hitlRequestId,
    ...options
  }: QueueErrorOptions) {
    super({ name, ...options });
    this.taskId = taskId;
    this.file = file;
    this.skill = skill;
    this.reservationId = reservationId;
    this.ref = ref;
    this.alertId = alertId;
    this.cycle = cycle;
    this.hitlRequestId = hitlRequestId;
  }

  /** True when `error` is a QueueError from any copy of @biged/queue. */
  static override isInstance(error: unknown): error is QueueError {
    return BigedError.hasMarker(error, marker);
  }
}
