import type { BudgetPeriod } from './usage-ledger';

const DAY_MS = 86_400_000;

/** A period window in epoch ms: `start` inclusive, `end` (the next window's start) exclusive. */
export interface PeriodWindow {
  start: number;
  end: number;
}

/**
 * The window of `period` that contains `now`, in UTC (every process and host agrees, whatever its
 * time zone): `day` from 00:00 UTC, `week` from Monday 00:00 UTC, `month` from the 1st 00:00 UTC.
 */
export function periodWindow(period: BudgetPeriod, now: number): PeriodWindow {
  const date = new Date(now);
  const year = date.getUTCFullYear();
  const month = date.getUTCMonth();
  const dayStart = Date.UTC(year, month, date.getUTCDate());
  switch (period) {
    case 'day':
      return { start: dayStart, end: dayStart + DAY_MS };
    case 'week': {
      // getUTCDay: 0 = Sunday; Monday starts the week (ISO 8601).
      const start = dayStart - ((date.getUTCDay() + 6) % 7) * DAY_MS;
      return { start, end: start + 7 * DAY_MS };
    }
    case 'month':
      return { start: Date.UTC(year, month, 1), end: Date.UTC(year, month + 1, 1) };
  }
}
