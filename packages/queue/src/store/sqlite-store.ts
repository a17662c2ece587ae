import { createQueue } from '../create-queue';
import { QueueError } from '../errors/queue-error';
import type { CreateQueueOptions, TaskQueue } from '../task-queue';
import type { TaskStore, TaskStoreMethodName, WaitForWorkOptions } from './task-store';

/** The methods `createSqliteStore` forwards to the queue. */
const FORWARDED = [
  'enqueue',
  'submit',
  'submitMany',
  'dependencies',
  'claimMany',
  'settle',
  'heartbeat',
  'cancel',
  'get',
  'getOrThrow',
  'waitForTask',
  'list',
  'counts',
  'requeueAgentTasks',
  'recoverStale',
  'registerAgent',
  'agentHeartbeat',
  'setAgentStatus',
  'listAgents',
  'acquireLock',
  'releaseLock',
  'getLock',
  'listLocks',
  'raiseAlert',
  'listAlerts',
  'sendMessage',
  'broadcast',
  'inbox',
  'postNote',
  'notes',
  'setFleetPaused',
  'fleetPause',
  'parkForHuman',
  'listHitl',
  'getHitl',
  'answerHitl',
  'setHitlPinned',
  'findHitlAnswer',
] as const satisfies readonly TaskStoreMethodName[];

/** The SQLite queue behind a store made by `createSqliteStore`, for the parts only SQLite has yet. */
const queues = new WeakMap<TaskStore, TaskQueue>();

/** Methods whose success means a task may have become PENDING: they wake `waitForWork` in this process. */
const WAKES = new Set<string>([
  'enqueue',
  'submit',
  'submitMany',
  'settle',
  'requeueAgentTasks',
  'recoverStale',
  'answerHitl',
]);

/**
 * The SQLite `TaskQueue` as a `TaskStore`: every method runs synchronously and returns a settled promise
 * (a rejected one when it throws, never a synchronous throw). `waitForWork` wakes on this store's own
 * submits and otherwise sleeps out its timeout: other processes' submits are seen on the next poll.
 *
 * Pass an open queue (the store does not own it: `close` leaves it open) or `createQueue` options (the
 * store opens the file and closes it).
 */
export function createSqliteStore(source: TaskQueue | CreateQueueOptions): TaskStore {
  const owned = !('claimMany' in source);
  const queue: TaskQueue = owned ? createQueue(source) : source;
  const waiters = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...waiters]) wake();
  };
  let closed = false;
  const assertOpen = () => {
    if (closed)
      throw new QueueError({
        code: 'QUEUE_CLOSED',
        file: queue.file,
        message: `the queue at ${queue.file} was closed`,
      });
  };
  const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of FORWARDED) {
    const method = queue[name] as (...args: unknown[]) => unknown;
    methods[name] = WAKES.has(name)
      ? async (...args) => {
          assertOpen();
          const result = method.apply(queue, args);
          wakeAll();
          return result;
        }
      : async (...args) => {
          assertOpen();
          return method.apply(queue, args);
        };
  }
  const store = {
    ...(methods as unknown as Pick<TaskStore, TaskStoreMethodName>),
    dialect: 'sqlite' as const,
    location: queue.file,
    waitForWork({ timeoutMs, signal }: WaitForWorkOptions): Promise<void> {
      if (closed || signal?.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        waiters.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      wakeAll();
      if (owned) queue.close();
    },
  } satisfies TaskStore;
  queues.set(store, queue);
  return store;
}

/**
 * The SQLite queue behind a store from `createSqliteStore`, or undefined for any other store: for the
 * features only the SQLite queue has so far (human-in-the-loop, workflows, schedules, the audit trail).
 */
export function sqliteQueueOf(store: TaskStore): TaskQueue | undefined {
  return queues.get(store);
}
