import type Database from 'better-sqlite3';
import type { BusyRetry } from './busy-retry';
import type { TaskQueue } from './task-queue';

/** What `createQueue` shares with the other parts of this package that use the same connection. */
export interface QueueConnection {
  /** The better-sqlite3 connection (busy_timeout 0). */
  sqlite: Database.Database;
  /** Retries an operation on SQLITE_BUSY, up to the queue's `busyTimeoutMs`. */
  retry: BusyRetry;
  /** The queue's wall clock in epoch ms. */
  clock: () => number;
}

const handles = new WeakMap<TaskQueue, QueueConnection>();

/** @internal Links a queue to its connection (called by `createQueue`). */
export function attachDatabase(queue: TaskQueue, connection: QueueConnection): void {
  handles.set(queue, connection);
}

/** @internal The connection, retry and clock behind a queue made by `createQueue`. */
export function getQueueConnection(queue: TaskQueue): QueueConnection {
  const connection = handles.get(queue);
  if (!connection) throw new TypeError('not a queue created by createQueue');
  return connection;
}

/**
 * The better-sqlite3 connection behind a queue made by `createQueue`, for tests, benchmarks and
 * diagnostics (`EXPLAIN QUERY PLAN`). Unstable: exported only from `@biged/queue/internal`.
 */
export function getQueueDatabase(queue: TaskQueue): Database.Database {
  return getQueueConnection(queue).sqlite;
}
