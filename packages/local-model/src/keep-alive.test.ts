import { describe, expect, it } from 'vitest';
import { LocalModelRequestError } from './errors';
import { DEFAULT_KEEP_ALIVE_MS, parseKeepAlive } from './keep-alive';

describe('parseKeepAlive', () => {
  it('reads numbers as seconds and Go durations as strings', () => {
    expect(parseKeepAlive(undefined)).toBe(DEFAULT_KEEP_ALIVE_MS);
    expect(parseKeepAlive(null, 1234)).toBe(1234);
    expect(parseKeepAlive(0)).toBe(0);
    expect(parseKeepAlive(30)).toBe(30_000);
    expect(parseKeepAlive(0.5)).toBe(500);
    expect(parseKeepAlive('0')).toBe(0);
    expect(parseKeepAlive('45')).toBe(45_000);
    expect(parseKeepAlive('10m')).toBe(600_000);
    expect(parseKeepAlive('1h30m')).toBe(5_400_000);
    expect(parseKeepAlive('250ms')).toBe(250);
    expect(parseKeepAlive('1.5s')).toBe(1500);
  });

  it('treats any negative value as forever', () => {
    expect(parseKeepAlive(-1)).toBe(Number.POSITIVE_INFINITY);
    expect(parseKeepAlive('-1')).toBe(Number.POSITIVE_INFINITY);
    expect(parseKeepAlive('-5m')).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects anything else with a request error naming keep_alive', () => {
    for (const bad of ['soon', '5 minutes', '5d', true, {}, Number.NaN]) {
      let caught: unknown;
      try {
        parseKeepAlive(bad);
      } catch (error) {
        caught = error;
      }
      expect(LocalModelRequestError.isInstance(caught)).toBe(true);
      expect((caught as LocalModelRequestError).field).toBe('keep_alive');
    }
  });
});
