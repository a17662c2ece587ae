import type { FleetPause, TaskQueue } from '../task-queue';

export type { FleetPause };

// NOTE: packages/queue/README.md ("Stores: SQLite and PostgreSQL") and docs/architecture.md describe this
// interface; keep them in sync. One contract suite (store-contract.ts) runs against every implementation.

/** The `TaskQueue` methods a store offers, each returning a promise (PostgreSQL is asynchronous). */
export type TaskStoreMethodName =
  | 'enqueue'
  | 'submit'
  | 'submitMany'
  | 'dependencies'
  | 'claimMany'
  | 'settle'
  | 'heartbeat'
  | 'cancel'
  | 'get'
  | 'getOrThrow'
  | 'waitForTask'
  | 'list'
  | 'counts'
  | 'requeueAgentTasks'
  | 'recoverStale'
  | 'registerAgent'
  | 'agentHeartbeat'
  | 'setAgentStatus'
  | 'listAgents'
  | 'acquireLock'
  | 'releaseLock'
  | 'getLock'
  | 'listLocks'
  | 'raiseAlert'
  | 'listAlerts'
  | 'sendMessage'
  | 'broadcast'
  | 'inbox'
  | 'postNote'
  | 'notes'
  | 'setFleetPaused'
  | 'fleetPause'
  | 'parkForHuman'
  | 'listHitl'
  | 'getHitl'
  | 'answerHitl'
  | 'setHitlPinned'
  | 'findHitlAnswer';

/** `T` with every method returning a promise of what it returned. */
export type Promisified<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/** Which database a store keeps its rows in. */
export type TaskStoreDialect = 'sqlite' | 'postgres';

/** Options of `TaskStore.waitForWork`. */
export interface WaitForWorkOptions {
  /** Resolve after this many milliseconds even when nothing was submitted. */
  timeoutMs: number;
  /** Stops waiting early (resolves, never rejects). */
  signal?: AbortSignal;
}

/**
 * The durable queue behind a fleet, whatever database holds it: the task lifecycle, agents, locks, alerts,
 * messages and human-in-the-loop requests of `TaskQueue`, each method asynchronous, plus what a fleet spread over several hosts needs
 * (a fleet-wide pause, a wake-up when work arrives). `createSqliteStore` wraps the SQLite `TaskQueue`;
 * `createPostgresStore` (`@biged/queue/postgres`) keeps the same rows in PostgreSQL. Both pass one contract
 * suite, so callers never test which one they got except through `dialect`.
 *
 * Semantics are `TaskQueue`'s, method by method (same arguments, same results, same `QueueError` codes),
 * with one addition: every claim (`claimMany`, `settle` with `claim`) returns nothing while the fleet is
 * paused (`setFleetPaused(true)`).
 */
export interface TaskStore extends Promisified<Pick<TaskQueue, TaskStoreMethodName>> {
  readonly dialect: TaskStoreDialect;
  /** Where the rows live, safe to print: the SQLite file, or the PostgreSQL URL without its password. */
  readonly location: string;
  /**
   * Resolves when work may have arrived (a task became PENDING, on any host), or after `timeoutMs`.
   * PostgreSQL wakes through LISTEN/NOTIFY; SQLite wakes on submits made through this store and otherwise
   * waits out the timeout (workers poll the file).
   */
  waitForWork(options: WaitForWorkOptions): Promise<void>;
  /** Releases connections (and LISTEN). Further calls throw `QUEUE_CLOSED`. */
  close(): Promise<void>;
}
