import type Database from 'better-sqlite3';
import type { TaskQueue } from './task-queue';

const handles = new WeakMap<TaskQueue, Database.Database>();

/** @internal Links a queue to its connection (called by `createQueue`). */
export function attachDatabase(queue: TaskQueue, database: Database.Database): void {
  handles.set(queue, database);
}

/**
 * The better-sqlite3 connection behind a queue made by `createQueue`, for tests, benchmarks and
 * diagnostics (`EXPLAIN QUERY PLAN`). Unstable: exported only from `@biged/queue/internal`.
 */
export function getQueueDatabase(queue: TaskQueue): Database.Database {
  const database = handles.get(queue);
  if (!database) throw new TypeError('not a queue created by createQueue');
  return database;
}
