import { describe, expect, it } from 'vitest';
import { sparkline } from './sparkline';
import { ago, fit } from './text';

describe('sparkline', () => {
  it('scales from zero to the largest value', () => {
    expect(sparkline([0, 1, 2, 4])).toBe('▁▃▅█');
    expect(sparkline([3, 3])).toBe('██');
  });

  it('draws zeros, negatives and non-finite values as the lowest bar, and nothing for no values', () => {
    expect(sparkline([0, -5, Number.NaN, Number.POSITIVE_INFINITY])).toBe('▁▁▁▁');
    expect(sparkline([])).toBe('');
  });
});

describe('text helpers', () => {
  it('fits text to a width with an ellipsis and flattens line breaks', () => {
    expect(fit('hello world', 5)).toBe('hell…');
    expect(fit('a\n  b', 10)).toBe('a b');
    expect(fit('abc', 0)).toBe('');
  });

  it('says how long ago a time was, and - for a missing or bad time', () => {
    expect(ago(1000, 61_000)).toBe('1m');
    expect(ago(new Date(0).toISOString(), 7_200_000)).toBe('2h');
    expect(ago(null, 0)).toBe('-');
    expect(ago('not a date', 0)).toBe('-');
  });
});
