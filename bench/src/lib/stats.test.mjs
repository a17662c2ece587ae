import { describe, expect, it } from 'vitest';
import { percentile, summarize, waitUntil } from './stats.mjs';

describe('percentile', () => {
  it('takes the nearest rank of the sorted values without changing the input', () => {
    const values = [5, 1, 4, 2, 3];
    expect(percentile(values, 0.5)).toBe(3);
    expect(percentile(values, 0.99)).toBe(5);
    expect(percentile(values, 0)).toBe(1);
    expect(values).toEqual([5, 1, 4, 2, 3]);
    const hundred = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(hundred, 0.99)).toBe(99);
    expect(percentile(hundred, 0.5)).toBe(50);
  });

  it('is null for no values', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(summarize([])).toEqual({ count: 0, p50: null, p99: null, max: null });
  });
});

describe('waitUntil', () => {
  it('returns the first truthy value', async () => {
    let calls = 0;
    await expect(
      waitUntil(() => ++calls >= 3 && 'ready', { timeoutMs: 1000, intervalMs: 1, what: 'x' }),
    ).resolves.toBe('ready');
  });

  it('names what it waited for when it times out', async () => {
    await expect(
      waitUntil(() => false, { timeoutMs: 20, intervalMs: 5, what: 'the queue to drain' }),
    ).rejects.toThrow('timed out after 20 ms waiting for the queue to drain');
  });
});
