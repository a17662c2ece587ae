/** A first-come, first-served lock: `run` calls queue behind each other. */
export interface Mutex {
  /** Runs `task` once every earlier task has settled; resolves or rejects with it. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Tasks running or waiting. */
  readonly pending: number;
}

/** Creates a `Mutex`. One per loaded model keeps concurrent requests off the same context sequence. */
export function createMutex(): Mutex {
  let tail: Promise<unknown> = Promise.resolve();
  let pending = 0;
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      pending++;
      const result = tail.then(task).finally(() => {
        pending--;
      });
      // The next task waits for this one to settle, whatever its outcome.
      tail = result.catch(() => undefined);
      return result;
    },
    get pending() {
      return pending;
    },
  };
}
