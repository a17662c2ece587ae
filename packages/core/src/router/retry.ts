import { ModelCallError } from '../errors/model-call-error';
import { RetryError } from '../errors/retry-error';
import { delay, type Sleep } from './delay';

/** What `onRetry` hears before each wait. */
export interface RetryEvent {
  /** The attempt that just failed (1 = the first call). */
  attempt: number;
  /** Its error. */
  error: ModelCallError;
  /** How long the next attempt waits, in ms. */
  delayMs: number;
  /** Where the delay came from: the provider's `retry-after-ms`/`retry-after` header, or exponential backoff. */
  source: 'retry-after' | 'backoff';
}

/** Options for `retryWithBackoff`. */
export interface RetryWithBackoffOptions {
  /** Retries after the first attempt, so `maxRetries + 1` calls at most. Default `2`. */
  maxRetries?: number;
  /** Backoff before the first retry, in ms (before jitter). Default `1000`. */
  initialDelayMs?: number;
  /** Each further retry waits this many times longer. Default `2`. */
  backoffFactor?: number;
  /**
   * Longest single wait, in ms, for backoff and for a provider's `retry-after` alike. Default `60_000`.
   * A longer `retry-after` (a daily quota, or an HTTP-date off by clock skew) is cut to this: a worker
   * should not sit idle for an hour on one call; if the provider is still limited, the retries run out
   * and `callWithFallback` moves on to the next provider.
   */
  maxDelayMs?: number;
  /**
   * `'full'` (default) waits a uniformly random time in [0, backoff), so many workers that failed together
   * do not retry together; `'none'` waits exactly the backoff. A `retry-after` from the provider is
   * used as given, without jitter.
   */
  jitter?: 'full' | 'none';
  /** Stops waiting and retrying: gives up with `RetryError` reason `aborted` (or rethrows on the first attempt). */
  signal?: AbortSignal;
  /** How to wait. Default: `setTimeout`-based. */
  sleep?: Sleep;
  /** Random source in [0, 1) for jitter. Default `Math.random`. */
  random?: () => number;
  /** Wall clock in ms, to turn an HTTP-date `retry-after` into a delay. Default `Date.now`. */
  now?: () => number;
  /** Called before each wait, e.g. to log the retry. */
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Calls `fn` until it succeeds, retrying only `ModelCallError`s whose `isRetryable` is true.
 *
 * The wait before a retry is the provider's `retry-after-ms` or `retry-after` header (seconds or an
 * HTTP-date, capped at `maxDelayMs`) when the error carries one, else `initialDelayMs x backoffFactor^n`
 * capped at `maxDelayMs`, with full jitter by default.
 *
 * Failure:
 * - a non-retryable error on the first attempt is rethrown as is: nothing was retried, so wrapping it
 *   would only hide the real error (a 400 or 401 stays a `ModelCallError` the caller can read directly);
 * - later, `RetryError` (`ROUTER_RETRY_EXHAUSTED`) with `reason` `maxRetriesExceeded`, `errorNotRetryable`
 *   or `aborted`, every attempt's error in `errors` and the last in `lastError`;
 * - a signal aborted before the first attempt rejects with the signal's reason.
 *
 * @param fn the call; receives the attempt number, 1 for the first call.
 */
export async function retryWithBackoff<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryWithBackoffOptions = {},
): Promise<T> {
  const {
    maxRetries = 2,
    initialDelayMs = 1_000,
    backoffFactor = 2,
    maxDelayMs = 60_000,
    jitter = 'full',
    signal,
    sleep = delay,
    random = Math.random,
    now = Date.now,
    onRetry,
  } = options;
  if (!(Number.isInteger(maxRetries) && maxRetries >= 0)) {
    throw new RangeError(`maxRetries must be a whole number >= 0, got ${maxRetries}`);
  }
  if (!(initialDelayMs >= 0 && backoffFactor >= 1 && maxDelayMs >= 0)) {
    throw new RangeError('initialDelayMs and maxDelayMs must be >= 0 and backoffFactor >= 1');
  }

  const errors: unknown[] = [];
  for (let attempt = 1; ; attempt += 1) {
    if (signal?.aborted) {
      if (errors.length === 0) throw signal.reason;
      throw new RetryError({ reason: 'aborted', errors, cause: signal.reason });
    }
    try {
      return await fn(attempt);
    } catch (error) {
      if (signal?.aborted) {
        // The call most likely failed *because* of the abort; that is not a provider failure to retry.
        if (errors.length === 0) throw error;
        errors.push(error);
        throw new RetryError({ reason: 'aborted', errors, cause: signal.reason });
      }
      errors.push(error);
      if (!(ModelCallError.isInstance(error) && error.isRetryable)) {
        if (errors.length === 1) throw error;
        throw new RetryError({ reason: 'errorNotRetryable', errors });
      }
      if (attempt > maxRetries) throw new RetryError({ reason: 'maxRetriesExceeded', errors });

      const fromHeader = retryAfterMs(error.responseHeaders, now);
      const backoff = Math.min(maxDelayMs, initialDelayMs * backoffFactor ** (attempt - 1));
      const delayMs =
        fromHeader !== undefined
          ? Math.min(fromHeader, maxDelayMs)
          : jitter === 'full'
            ? random() * backoff
            : backoff;
      onRetry?.({ attempt, error, delayMs, source: fromHeader !== undefined ? 'retry-after' : 'backoff' });
      try {
        await sleep(delayMs, signal);
      } catch (sleepError) {
        if (!signal?.aborted) throw sleepError;
        throw new RetryError({ reason: 'aborted', errors, cause: signal.reason });
      }
    }
  }
}

/**
 * The delay a provider asked for, in ms, or undefined when it asked for none we can read.
 * `retry-after-ms` (OpenAI-style, fractional ms) wins over `retry-after` (RFC 9110: delta-seconds or an
 * HTTP-date). A date in the past means "now" (0). Header names are matched case-insensitively.
 */
export function retryAfterMs(
  headers: Record<string, string> | undefined,
  now: () => number = Date.now,
): number | undefined {
  if (!headers) return undefined;
  const lookup = (wanted: string) => {
    for (const [key, value] of Object.entries(headers)) {
      if (key.toLowerCase() === wanted) return value.trim();
    }
    return undefined;
  };
  const milliseconds = lookup('retry-after-ms');
  if (milliseconds && /^\d+(\.\d+)?$/.test(milliseconds)) return Number(milliseconds);
  const value = lookup('retry-after');
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1_000;
  // Every HTTP-date form starts with a day name; V8's lenient Date.parse would otherwise read "-5" as a year.
  if (!/^[A-Za-z]{3}/.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now());
}
