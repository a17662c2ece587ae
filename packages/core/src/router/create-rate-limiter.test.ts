import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createRateLimiter } from './create-rate-limiter';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** The limiter reads the (fake) wall clock, so starts land on exact fake-timer milliseconds. */
const now = () => Date.now();

describe('createRateLimiter', () => {
  it('never lets more than 5 of 20 concurrent calls start in any 1-second window, with the minimum gap', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 5, share: 1, minGapMs: 50, now });
    const t0 = now();
    const starts: number[] = [];
    const calls = Array.from({ length: 20 }, async () => {
      await limiter.acquire();
      starts.push(now() - t0);
    });
    await vi.runAllTimersAsync();
    await Promise.all(calls);

    expect(starts).toHaveLength(20);
    // Any window [t, t + 1000) holds at most 5 starts <=> each start is >= 1000 ms after the 5th before it.
    for (let index = 5; index < starts.length; index += 1) {
      expect(starts[index]! - starts[index - 5]!).toBeGreaterThanOrEqual(1000);
    }
    for (let index = 1; index < starts.length; index += 1) {
      expect(starts[index]! - starts[index - 1]!).toBeGreaterThanOrEqual(50);
    }
    // ...and it does not dawdle: bursts of 5 at 50 ms gaps, one burst per second.
    expect(starts.slice(0, 6)).toEqual([0, 50, 100, 150, 200, 1000]);
    expect(starts[19]).toBe(3200);
  });

  it('uses 20 % of the published limit by default, and a 300 ms gap', async () => {
    const limiter = createRateLimiter({ requestsPerMinute: 50, now });
    expect(limiter.stats().limits).toEqual({
      requestsPerSecond: undefined,
      requestsPerMinute: 10,
      tokensPerMinute: undefined,
      minGapMs: 300,
    });
    const t0 = now();
    const starts: number[] = [];
    const calls = Array.from({ length: 11 }, async () => {
      await limiter.acquire();
      starts.push(now() - t0);
    });
    await vi.runAllTimersAsync();
    await Promise.all(calls);
    expect(starts.slice(0, 10)).toEqual([0, 300, 600, 900, 1200, 1500, 1800, 2100, 2400, 2700]);
    expect(starts[10]).toBe(60_000);
  });

  it('counts estimated tokens and frees budget when the actual usage is recorded', async () => {
    const limiter = createRateLimiter({ tokensPerMinute: 1000, share: 1, minGapMs: 0, now });
    const first = await limiter.acquire({ tokens: 600 });
    let secondAt: number | undefined;
    const second = limiter.acquire({ tokens: 600 }).then(() => {
      secondAt = now();
    });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(secondAt).toBeUndefined();
    expect(limiter.stats()).toMatchObject({ waiting: 1, granted: 1, tokensLastMinute: 600 });

    first.record(300); // the call used less than estimated
    await second;
    expect(secondAt).toBe(first.startedAt + 10_000);
    expect(limiter.stats()).toMatchObject({ waiting: 0, granted: 2, tokensLastMinute: 900 });
  });

  it('waits for the token window to clear when the estimate is too high, and lets an oversized call through alone', async () => {
    const limiter = createRateLimiter({ tokensPerMinute: 1000, share: 1, minGapMs: 0, now });
    const t0 = now();
    const starts: number[] = [];
    const calls = [700, 700, 5000].map(async (tokens) => {
      await limiter.acquire({ tokens });
      starts.push(now() - t0);
    });
    await vi.runAllTimersAsync();
    await Promise.all(calls);
    expect(starts).toEqual([0, 60_000, 120_000]);
  });

  it('serves waiters first in, first out: a small request does not overtake a large one', async () => {
    const limiter = createRateLimiter({ tokensPerMinute: 1000, share: 1, minGapMs: 0, now });
    await limiter.acquire({ tokens: 900 });
    const order: string[] = [];
    const large = limiter.acquire({ tokens: 500 }).then(() => order.push('large'));
    const small = limiter.acquire({ tokens: 50 }).then(() => order.push('small'));
    await vi.runAllTimersAsync();
    await Promise.all([large, small]);
    expect(order).toEqual(['large', 'small']);
  });

  it('rejects an aborted wait with the signal reason and lets the queue move on', async () => {
    const limiter = createRateLimiter({ requestsPerSecond: 1, share: 1, minGapMs: 0, now });
    await limiter.acquire();
    const controller = new AbortController();
    const reason = new Error('user cancelled');
    const aborted = limiter.acquire({ signal: controller.signal });
    const next = limiter.acquire();
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(limiter.stats().waiting).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    await expect(next).resolves.toMatchObject({ startedAt: expect.any(Number) });

    const already = AbortSignal.abort(reason);
    await expect(limiter.acquire({ signal: already })).rejects.toBe(reason);
  });

  it('rejects nonsense options', () => {
    expect(() => createRateLimiter({ share: 0 })).toThrow(RangeError);
    expect(() => createRateLimiter({ share: 1.5 })).toThrow(RangeError);
    expect(() => createRateLimiter({ requestsPerMinute: 0 })).toThrow(RangeError);
    expect(() => createRateLimiter({ minGapMs: -1 })).toThrow(RangeError);
  });
});
