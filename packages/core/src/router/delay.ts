/**
 * Waits `ms` milliseconds; an AbortSignal ends the wait early by rejecting with the signal's reason.
 * The limiter and `retryWithBackoff` take one of these so tests can swap in a fake.
 */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

/** The default `Sleep`: a plain `setTimeout`, so vitest fake timers drive it too. */
export const delay: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal?.addEventListener('abort', onAbort, { once: true });
  });
