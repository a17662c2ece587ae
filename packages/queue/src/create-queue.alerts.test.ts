import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue';
import { QueueError } from './errors/queue-error';
import type { TaskQueue } from './task-queue';

let queue: TaskQueue | undefined;
let dir: string | undefined;
afterEach(() => {
  queue?.close();
  queue = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return QueueError.isInstance(error) ? error.code : `not a QueueError: ${String(error)}`;
  }
  return undefined;
}

describe('alerts', () => {
  it('raises, lists newest first, and acknowledges alerts on a real file', () => {
    dir = mkdtempSync(join(tmpdir(), 'biged-alerts-'));
    let now = Date.parse('2026-11-30T10:00:00Z');
    queue = createQueue({ file: join(dir, 'fleet.db'), clock: () => now });

    const hot = queue.raiseAlert({
      type: 'thermal',
      severity: 'critical',
      message: 'GPU 88C',
      source: 'hw-monitor',
    });
    now += 1000;
    const budget = queue.raiseAlert({
      type: 'budget',
      severity: 'warning',
      message: '80% spent',
      source: 'router',
    });
    expect(hot).toEqual({
      id: hot.id,
      type: 'thermal',
      severity: 'critical',
      message: 'GPU 88C',
      source: 'hw-monitor',
      createdAt: '2026-11-30T10:00:00.000Z',
      acknowledgedAt: null,
    });
    expect(queue.listAlerts().map((alert) => alert.id)).toEqual([budget.id, hot.id]);

    now += 1000;
    const acknowledged = queue.acknowledgeAlert(hot.id);
    expect(acknowledged.acknowledgedAt).toBe('2026-11-30T10:00:02.000Z');
    expect(queue.listAlerts({ activeOnly: true }).map((alert) => alert.id)).toEqual([budget.id]);
    expect(queue.listAlerts({ limit: 1 }).map((alert) => alert.id)).toEqual([budget.id]);

    // A second acknowledgement keeps the first time.
    now += 5000;
    expect(queue.acknowledgeAlert(hot.id).acknowledgedAt).toBe('2026-11-30T10:00:02.000Z');

    // Alerts survive reopening the file (the migration created a real table).
    queue.close();
    queue = createQueue({ file: join(dir, 'fleet.db') });
    expect(queue.listAlerts({ activeOnly: true })).toHaveLength(1);
  });

  it('throws QUEUE_ALERT_NOT_FOUND with the id for an unknown alert', () => {
    queue = createQueue({ file: ':memory:' });
    try {
      queue.acknowledgeAlert(42);
      expect.unreachable('acknowledgeAlert should throw');
    } catch (error) {
      expect(QueueError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'QUEUE_ALERT_NOT_FOUND', alertId: 42 });
    }
  });

  it('refuses bad input with QUEUE_INVALID_ARGUMENT and stores nothing', () => {
    queue = createQueue({ file: ':memory:' });
    const q = queue;
    const base = { type: 'thermal', severity: 'info' as const, message: 'ok', source: 'test' };
    expect(codeOf(() => q.raiseAlert({ ...base, type: 'Bad Type' }))).toBe('QUEUE_INVALID_ARGUMENT');
    expect(codeOf(() => q.raiseAlert({ ...base, type: 'x'.repeat(101) }))).toBe('QUEUE_INVALID_ARGUMENT');
    expect(codeOf(() => q.raiseAlert({ ...base, severity: 'panic' as never }))).toBe(
      'QUEUE_INVALID_ARGUMENT',
    );
    expect(codeOf(() => q.raiseAlert({ ...base, message: '   ' }))).toBe('QUEUE_INVALID_ARGUMENT');
    expect(codeOf(() => q.raiseAlert({ ...base, message: 'm'.repeat(2001) }))).toBe('QUEUE_INVALID_ARGUMENT');
    expect(codeOf(() => q.raiseAlert({ ...base, source: '' }))).toBe('QUEUE_INVALID_ARGUMENT');
    expect(codeOf(() => q.listAlerts({ limit: 0 }))).toBe('QUEUE_INVALID_ARGUMENT');
    expect(codeOf(() => q.listAlerts({ limit: 10_001 }))).toBe('QUEUE_INVALID_ARGUMENT');
    expect(codeOf(() => q.acknowledgeAlert(1.5))).toBe('QUEUE_INVALID_ARGUMENT');
    expect(q.listAlerts()).toEqual([]);
  });

  it('rejects an invalid severity written past the API (CHECK constraint)', async () => {
    queue = createQueue({ file: ':memory:' });
    const { getQueueDatabase } = await import('./queue-database');
    const sqlite = getQueueDatabase(queue);
    expect(() =>
      sqlite
        .prepare(
          "INSERT INTO alerts (type, severity, message, source, created_at) VALUES ('x', 'loud', 'm', 's', 0)",
        )
        .run(),
    ).toThrow(/CHECK constraint failed/);
  });
});
