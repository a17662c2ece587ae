import { describe, expect, it } from 'vitest';
import { createBusyRetry, isBusyError, sleepSync } from './busy-retry';
import { QueueError } from './errors/queue-error';

function sqliteError(code: string): Error {
  return Object.assign(new Error(code), { code });
}

describe('createBusyRetry', () => {
  it('retries SQLITE_BUSY and its extended codes until the operation succeeds', () => {
    const retry = createBusyRetry({ file: 'x.db', timeoutMs: 1000 });
    const codes = ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_RECOVERY'];
    let calls = 0;
    expect(
      retry(() => {
        const code = codes[calls++];
        if (code) throw sqliteError(code);
        return 'done';
      }),
    ).toBe('done');
    expect(calls).toBe(4);
  });

  it('gives up with QUEUE_DB_LOCKED after timeoutMs, keeping the cause', () => {
    let time = 0;
    // A fake monotonic clock: each attempt "takes" 3 ms, so the 10 ms budget runs out on the 5th.
    const now = () => {
      time += 3;
      return time;
    };
    const retry = createBusyRetry({ file: 'x.db', timeoutMs: 10, maxSleepMs: 0.05, now });
    const busy = sqliteError('SQLITE_BUSY');
    let calls = 0;
    let thrown: unknown;
    try {
      retry(() => {
        calls++;
        throw busy;
      });
    } catch (error) {
      thrown = error;
    }
    expect(QueueError.isInstance(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'QUEUE_DB_LOCKED', file: 'x.db', cause: busy });
    expect(calls).toBe(5);
  });

  it('passes other errors through at once and maps corruption', () => {
    const retry = createBusyRetry({ file: '/h/fleet.db', timeoutMs: 1000 });
    const constraint = sqliteError('SQLITE_CONSTRAINT_UNIQUE');
    expect(() =>
      retry(() => {
        throw constraint;
      }),
    ).toThrow(constraint);
    expect(() =>
      retry(() => {
        throw sqliteError('SQLITE_CORRUPT');
      }),
    ).toThrow(expect.objectContaining({ code: 'QUEUE_DB_CORRUPT', file: '/h/fleet.db' }));
    expect(isBusyError(null)).toBe(false);
    // Drizzle wraps the driver's error: the code is found on the cause.
    expect(isBusyError(new Error('Failed to run the query', { cause: sqliteError('SQLITE_BUSY') }))).toBe(
      true,
    );
    expect(isBusyError(sqliteError('SQLITE_LOCKED'))).toBe(false);
  });
});

describe('sleepSync', () => {
  it('sleeps about the requested time, with sub-millisecond steps', () => {
    let started = performance.now();
    sleepSync(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(29);
    started = performance.now();
    for (let index = 0; index < 20; index++) sleepSync(0.1);
    expect(performance.now() - started).toBeLessThan(25);
    started = performance.now();
    sleepSync(0);
    sleepSync(-1);
    expect(performance.now() - started).toBeLessThan(5);
  });
});
