import path from 'node:path';
import { QueueError } from './errors/queue-error';

// NOTE: packages/queue/README.md ("Fairness under contention") explains this design; keep both in sync.

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks the thread for `ms` milliseconds (fractions allowed). Atomics.wait on a private cell that
 * nobody notifies is a synchronous sleep with sub-millisecond resolution and no CPU spin.
 */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * The SQLite result code of an error, looking through `cause`: Drizzle wraps the driver's SqliteError
 * in a DrizzleError ("Failed to run the query ...").
 */
function sqliteCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== null && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_')) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** True for SQLITE_BUSY and its extended codes (SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_RECOVERY, ...). */
export function isBusyError(error: unknown): boolean {
  return sqliteCode(error)?.startsWith('SQLITE_BUSY') ?? false;
}

/** True for errors that mean the file is not SQLite or is damaged. */
export function isCorruptError(error: unknown): boolean {
  const code = sqliteCode(error);
  return code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB'));
}

/** Options of {@link createBusyRetry}. */
export interface BusyRetryOptions {
  /** The database file, for error messages. */
  file: string;
  /** Give up with `QUEUE_DB_LOCKED` after this many milliseconds of waiting. */
  timeoutMs: number;
  /** Shortest sleep between attempts, in ms. Default 0.05. */
  minSleepMs?: number;
  /** Longest sleep between attempts, in ms. Default 0.7 (measured best of 0.3-2 in `pnpm bench` with 4 workers). */
  maxSleepMs?: number;
  /** Monotonic clock in ms. Default `performance.now`. */
  now?: () => number;
}

/** Runs a database operation, retrying it while SQLite answers SQLITE_BUSY. */
export type BusyRetry = <T>(operation: () => T) => T;

/**
 * Returns a runner that retries an operation on SQLITE_BUSY with short, jittered, synchronous sleeps.
 *
 * The connection's own `busy_timeout` is 0, so a locked database answers at once instead of entering
 * SQLite's busy handler, whose sleeps grow to 100 ms and let one process starve the others. Here every
 * waiter re-tries within about `maxSleepMs`, so the lock goes to whoever asks next once it is free, and
 * the random jitter keeps waiters from moving in lockstep. After `timeoutMs` it throws
 * `QueueError('QUEUE_DB_LOCKED')`; the operation must be a whole transaction (or one statement) so that a
 * failed attempt leaves nothing behind.
 */
export function createBusyRetry({
  file,
  timeoutMs,
  minSleepMs = 0.05,
  maxSleepMs = 0.7,
  now = () => performance.now(),
}: BusyRetryOptions): BusyRetry {
  return <T>(operation: () => T): T => {
    let started: number | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        return operation();
      } catch (error) {
        if (isCorruptError(error)) throw corruptError(file, error);
        if (!isBusyError(error)) throw error;
        const time = now();
        started ??= time;
        if (time - started >= timeoutMs) {
          throw new QueueError({
            code: 'QUEUE_DB_LOCKED',
            file,
            cause: error,
            message: `${file} stayed locked by another connection for ${Math.round(time - started)} ms; nothing was written`,
            hint: 'another process holds a long write transaction; retry, or find it with `biged status`',
          });
        }
        // Grow from minSleepMs towards maxSleepMs over the first attempts, then stay there: a short cap
        // keeps every waiter polling often, which is what makes the wait fair.
        const ceiling = Math.min(maxSleepMs, minSleepMs * 2 ** Math.min(attempt, 8));
        sleepSync(minSleepMs + Math.random() * (ceiling - minSleepMs));
      }
    }
  };
}

/** The error for a file that is not SQLite or is damaged. */
export function corruptError(file: string, cause?: unknown): QueueError {
  const backups = path.join(path.dirname(path.resolve(file)), 'backups') + path.sep;
  return new QueueError({
    code: 'QUEUE_DB_CORRUPT',
    file,
    cause,
    message: `${file} is not a valid SQLite database or is damaged; it was left untouched`,
    hint: `stop the fleet and restore the newest copy from ${backups} (biged restore), or move the file aside to start an empty queue`,
  });
}
