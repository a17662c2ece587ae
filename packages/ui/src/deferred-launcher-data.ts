import type { FleetPaths } from '@biged/core/config';
import type { QueueReader } from '@biged/queue/read';
import { LauncherError } from './errors/launcher-error';
import { emptyUsageView, type LauncherData, readThermal } from './launcher-data';

/** Options of `createDeferredLauncherData`. */
export interface CreateDeferredLauncherDataOptions {
  /**
   * Resolves with the full data once the queue has loaded and opened (`createLauncherData` over
   * `createQueue`); every call goes to it from then on. When it rejects, every queue call throws its error.
   */
  full: Promise<LauncherData>;
  /**
   * The drizzle-free reader (`openQueueReader` from `@biged/queue/read`) that serves `fleet()` until
   * `full` resolves; it is closed then (or when `full` rejects, or by `close()`). Default: none, and
   * `fleet()` throws `UI_QUEUE_OPENING` until then (the queue file is missing or has an older schema,
   * which only `createQueue` creates or migrates).
   */
  reader?: Pick<QueueReader, 'listAgents' | 'counts' | 'close'>;
  /** The fleet home's paths (hw_state.json is read from `paths.hwState`, queue or not). */
  paths: Pick<FleetPaths, 'hwState'>;
}

/** `LauncherData` that answers at once and switches to the full data when it is there. */
export interface DeferredLauncherData extends LauncherData {
  /** True once `full` has resolved (every call is the full data's). */
  readonly ready: boolean;
  /** Closes the reader if it is still open (the full data's queue belongs to whoever opened it). */
  close(): void;
}

const opening = () =>
  new LauncherError({
    code: 'UI_QUEUE_OPENING',
    message: 'the queue is still opening; try again in a moment',
  });

/**
 * The launcher's data while the full queue (`@biged/queue`, Drizzle, the write paths) is still loading,
 * so the first frame waits on none of it: `fleet()` reads agents and counts through `reader`, `thermal()`
 * reads hw_state.json, `tasks()` and `hitl()` return [], `task()` undefined, `usage()` an empty view, and
 * `submit`, `graph`, `answerHitl` and `pinHitl` throw a `LauncherError` (`UI_QUEUE_OPENING`, "the queue is
 * still opening; try again in a moment") having done nothing. Once `full` resolves, every call is the full
 * data's (a tab's next poll shows it); if it rejects, every call but `thermal()` throws that error.
 */
export function createDeferredLauncherData(options: CreateDeferredLauncherDataOptions): DeferredLauncherData {
  const { paths } = options;
  let reader = options.reader;
  let full: LauncherData | undefined;
  let failure: unknown;
  const closeReader = () => {
    const open = reader;
    reader = undefined;
    open?.close();
  };
  options.full.then(
    (data) => {
      full = data;
      closeReader();
    },
    (error: unknown) => {
      failure = error;
      closeReader();
    },
  );
  // Before the switch: the full data's answer when it is there, else the failure, else `early()`.
  const route = <T>(late: (data: LauncherData) => T, early: () => T): T => {
    if (full) return late(full);
    if (failure !== undefined) throw failure;
    return early();
  };
  const refuse = (): never => {
    throw opening();
  };
  return {
    get ready() {
      return full !== undefined;
    },
    fleet: () =>
      route(
        (data) => data.fleet(),
        () => {
          if (!reader) throw opening();
          return { agents: reader.listAgents(), counts: reader.counts() };
        },
      ),
    tasks: (limit) =>
      route(
        (data) => data.tasks(limit),
        () => [],
      ),
    task: (id) =>
      route(
        (data) => data.task(id),
        () => undefined,
      ),
    submit: (skill, payloadText) => route((data) => data.submit(skill, payloadText), refuse),
    graph: (taskId) => route((data) => data.graph(taskId), refuse),
    usage: () => route((data) => data.usage(), emptyUsageView),
    thermal: () => (full ? full.thermal() : readThermal(paths)),
    hitl: () =>
      route(
        (data) => data.hitl(),
        () => [],
      ),
    answerHitl: (requestId, status, response) =>
      route((data) => data.answerHitl(requestId, status, response), refuse),
    pinHitl: (requestId, pinned) => route((data) => data.pinHitl(requestId, pinned), refuse),
    close: closeReader,
  };
}
