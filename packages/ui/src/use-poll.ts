import { useCallback, useEffect, useRef, useState } from 'react';

/** What `usePoll` holds. */
export interface Polled<T> {
  /** The latest value, undefined before the first load or after a failure. */
  value: T | undefined;
  /** The latest failure's message. */
  error: string | undefined;
  /** Loads again now. */
  reload(): void;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Calls `load` now and every `intervalMs` while `active`, and re-renders only when the result changed
 * (compared as JSON), so an unchanged fleet costs no frame at all. `load` may return a promise.
 */
export function usePoll<T>(load: () => T | Promise<T>, intervalMs: number, active = true): Polled<T> {
  const [state, setState] = useState<{ value: T | undefined; error: string | undefined }>({
    value: undefined,
    error: undefined,
  });
  const last = useRef<string | undefined>(undefined);
  const loadRef = useRef(load);
  loadRef.current = load;
  const alive = useRef(true);

  const run = useCallback(() => {
    const settle = (value: T | undefined, error: string | undefined) => {
      if (!alive.current) return;
      const key = error === undefined ? `v${JSON.stringify(value)}` : `e${error}`;
      if (key === last.current) return;
      last.current = key;
      setState({ value, error });
    };
    try {
      const result = loadRef.current();
      if (result instanceof Promise) {
        result.then(
          (value) => settle(value, undefined),
          (error: unknown) => settle(undefined, message(error)),
        );
      } else settle(result, undefined);
    } catch (error) {
      settle(undefined, message(error));
    }
  }, []);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  useEffect(() => {
    if (!active) return;
    run();
    const timer = setInterval(run, intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs, run]);

  return { ...state, reload: run };
}
