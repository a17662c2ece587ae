import { describe, expect, it, vi } from 'vitest';
import { ModelCallError } from '../errors/model-call-error';
import { RetryError } from '../errors/retry-error';
import { retryAfterMs, retryWithBackoff } from './retry';

const failure = (statusCode?: number, responseHeaders?: Record<string, string>, cause?: unknown) =>
  new ModelCallError({ providerId: 'claude', modelId: 'sonnet', statusCode, responseHeaders, cause });

/** Records the waits instead of waiting. */
function recordingSleep() {
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
  };
  return { waits, sleep };
}

/** A call that fails with the given errors in turn, then returns 'ok'. */
function scripted(...errors: unknown[]) {
  const attempts: number[] = [];
  const fn = async (attempt: number) => {
    attempts.push(attempt);
    const error = errors[attempt - 1];
    if (error !== undefined) throw error;
    return 'ok';
  };
  return { attempts, fn };
}

describe('retryWithBackoff', () => {
  it('returns the first success without waiting', async () => {
    const { waits, sleep } = recordingSleep();
    await expect(retryWithBackoff(async () => 42, { sleep })).resolves.toBe(42);
    expect(waits).toEqual([]);
  });

  it('backs off exponentially with full jitter and passes the attempt number', async () => {
    const { waits, sleep } = recordingSleep();
    const { attempts, fn } = scripted(failure(500), failure(503), failure(502));
    const result = await retryWithBackoff(fn, { maxRetries: 3, sleep, random: () => 0.5 });
    expect(result).toBe('ok');
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(waits).toEqual([500, 1000, 2000]); // 0.5 x 1000, 2000, 4000
  });

  it('waits the exact, capped backoff without jitter', async () => {
    const { waits, sleep } = recordingSleep();
    const { fn } = scripted(failure(500), failure(500), failure(500));
    await retryWithBackoff(fn, {
      maxRetries: 3,
      jitter: 'none',
      initialDelayMs: 100,
      backoffFactor: 10,
      maxDelayMs: 5_000,
      sleep,
    });
    expect(waits).toEqual([100, 1_000, 5_000]);
  });

  it('honours retry-after-ms, retry-after seconds and an HTTP-date, capped at maxDelayMs', async () => {
    const { waits, sleep } = recordingSleep();
    const now = () => Date.parse('2025-01-01T00:00:00Z');
    const { fn } = scripted(
      failure(429, { 'Retry-After-Ms': '1500.5', 'Retry-After': '9' }),
      failure(429, { 'retry-after': '2' }),
      failure(503, { 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }),
      failure(429, { 'retry-after': '86400' }), // a daily quota: cut to maxDelayMs
      failure(429, { 'retry-after': 'soon' }), // unreadable: falls back to backoff
    );
    const onRetry = vi.fn();
    await retryWithBackoff(fn, { maxRetries: 5, jitter: 'none', sleep, now, onRetry });
    expect(waits).toEqual([1500.5, 2_000, 30_000, 60_000, 16_000]);
    expect(onRetry.mock.calls.map(([event]) => event.source)).toEqual([
      'retry-after',
      'retry-after',
      'retry-after',
      'retry-after',
      'backoff',
    ]);
  });

  it('gives up with RetryError(maxRetriesExceeded) holding every attempt error', async () => {
    const { sleep } = recordingSleep();
    const errors = [failure(500), failure(429), failure(408)];
    const { fn } = scripted(...errors);
    const error = await retryWithBackoff(fn, { sleep }).catch((caught: unknown) => caught);
    expect(RetryError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'ROUTER_RETRY_EXHAUSTED',
      reason: 'maxRetriesExceeded',
      errors,
      lastError: errors[2],
      cause: errors[2],
    });
    expect((error as RetryError).message).toContain('3 attempts');
  });

  it('rethrows a non-retryable first error as is, and wraps a later one', async () => {
    const { sleep } = recordingSleep();
    const badRequest = failure(400);
    await expect(retryWithBackoff(scripted(badRequest).fn, { sleep })).rejects.toBe(badRequest);
    const bug = new TypeError('undefined is not a function');
    await expect(retryWithBackoff(scripted(bug).fn, { sleep })).rejects.toBe(bug);

    const errors = [failure(503), failure(401)];
    const error = await retryWithBackoff(scripted(...errors).fn, { sleep }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ reason: 'errorNotRetryable', errors, lastError: errors[1] });
  });

  it('stops with RetryError(aborted) when the signal fires during the wait', async () => {
    const controller = new AbortController();
    const reason = new Error('shutting down');
    const first = failure(503);
    const sleep = (_ms: number, signal?: AbortSignal) =>
      new Promise<void>((_resolve, reject) => {
        signal?.addEventListener('abort', () => reject(signal.reason));
        controller.abort(reason);
      });
    const error = await retryWithBackoff(scripted(first).fn, { sleep, signal: controller.signal }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ reason: 'aborted', errors: [first], lastError: first, cause: reason });
  });

  it('rejects with the reason when aborted before the first attempt', async () => {
    const reason = new Error('too late');
    const fn = vi.fn(async () => 'never');
    await expect(retryWithBackoff(fn, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(fn).not.toHaveBeenCalled();
  });

  it('waits through the default sleep on fake timers', async () => {
    vi.useFakeTimers();
    try {
      const { fn, attempts } = scripted(failure(429, { 'retry-after': '3' }));
      const result = retryWithBackoff(fn);
      await vi.advanceTimersByTimeAsync(2_999);
      expect(attempts).toEqual([1]);
      await vi.advanceTimersByTimeAsync(1);
      await expect(result).resolves.toBe('ok');
      expect(attempts).toEqual([1, 2]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('retryAfterMs', () => {
  it('reads nothing from missing or unreadable headers and clamps past dates to 0', () => {
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs({})).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': '-5' })).toBeUndefined();
    expect(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 1970 00:00:00 GMT' })).toBe(0);
    expect(retryAfterMs({ 'retry-after': '0' })).toBe(0);
  });
});
