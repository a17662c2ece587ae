import type { QueueTarget } from '@biged/core';
import { createQueue } from '../create-queue';
import type { TaskQueue } from '../task-queue';
import { createSqliteStore } from './sqlite-store';
import type { TaskStore } from './task-store';

/** What `openTaskStore` opened. */
export interface OpenedTaskStore {
  store: TaskStore;
  /** The SQLite queue behind `store`, when the target is SQLite (for what only SQLite has so far). */
  queue?: TaskQueue;
  /** Closes the store and whatever it opened. */
  close(): Promise<void>;
}

/** The part of `@biged/queue/postgres` this module uses (loaded only for a PostgreSQL target). */
interface PostgresModule {
  createPostgresStore(options: {
    url: string;
    maxPayloadBytes?: number;
    defaultMaxAttempts?: number;
    defaultTimeoutMs?: number;
  }): Promise<TaskStore>;
}

/** The subpath that holds the PostgreSQL store; a variable, so that bundlers leave `pg` out of this entry. */
const POSTGRES_ENTRY = '@biged/queue/postgres';

/**
 * Opens the task store a fleet's `[queue] url` names (core's `queueTargetFromConfig`): the SQLite queue
 * wrapped by `createSqliteStore`, or the PostgreSQL store (whose module, and `pg`, load only then). Throws
 * what `createQueue` / `createPostgresStore` throw (e.g. `QUEUE_DB_OPEN_FAILED`, a server that cannot be
 * reached).
 */
export async function openTaskStore(target: QueueTarget): Promise<OpenedTaskStore> {
  if (target.kind === 'sqlite') {
    const queue = createQueue({
      file: target.file,
      maxPayloadBytes: target.maxPayloadBytes,
      defaultMaxAttempts: target.defaultMaxAttempts,
      defaultTimeoutMs: target.defaultTimeoutMs,
    });
    const store = createSqliteStore(queue);
    return {
      store,
      queue,
      async close() {
        await store.close();
        queue.close();
      },
    };
  }
  const { createPostgresStore } = (await import(POSTGRES_ENTRY)) as PostgresModule;
  const store = await createPostgresStore({
    url: target.url,
    maxPayloadBytes: target.maxPayloadBytes,
    defaultMaxAttempts: target.defaultMaxAttempts,
    defaultTimeoutMs: target.defaultTimeoutMs,
  });
  return { store, close: () => store.close() };
}
