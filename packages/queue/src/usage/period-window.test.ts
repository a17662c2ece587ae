import { describe, expect, it } from 'vitest';
import { periodWindow } from './period-window';

const iso = (window: { start: number; end: number }) => [
  new Date(window.start).toISOString(),
  new Date(window.end).toISOString(),
];

describe('periodWindow (UTC)', () => {
  // Wednesday 2025-01-15 13:45 UTC
  const now = Date.parse('2025-01-15T13:45:00.000Z');

  it('day starts at 00:00 UTC', () => {
    expect(iso(periodWindow('day', now))).toEqual(['2025-01-15T00:00:00.000Z', '2025-01-16T00:00:00.000Z']);
  });

  it('week starts on Monday 00:00 UTC, also when now is a Sunday or a Monday', () => {
    expect(iso(periodWindow('week', now))).toEqual(['2025-01-13T00:00:00.000Z', '2025-01-20T00:00:00.000Z']);
    const sunday = Date.parse('2025-01-19T23:59:59.999Z');
    expect(iso(periodWindow('week', sunday))[0]).toBe('2025-01-13T00:00:00.000Z');
    const monday = Date.parse('2025-01-20T00:00:00.000Z');
    expect(iso(periodWindow('week', monday))[0]).toBe('2025-01-20T00:00:00.000Z');
  });

  it('month starts on the 1st 00:00 UTC and ends at the next 1st (across a year end)', () => {
    expect(iso(periodWindow('month', now))).toEqual(['2025-01-01T00:00:00.000Z', '2025-02-01T00:00:00.000Z']);
    expect(iso(periodWindow('month', Date.parse('2024-12-31T23:00:00Z')))).toEqual([
      '2024-12-01T00:00:00.000Z',
      '2025-01-01T00:00:00.000Z',
    ]);
  });
});
