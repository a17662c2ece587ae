import { type Logger, parseFleetConfig } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { createQueue, createScheduleStore, type TaskQueue } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { startScheduler } from './scheduler';

let home: TempHome | undefined;
const queues: TaskQueue[] = [];
afterEach(() => {
  for (const queue of queues.splice(0)) queue.close();
  home?.cleanup();
  home = undefined;
});

/** A logger that keeps its lines. */
function recordingLogger(lines: string[] = []): Logger & { lines: string[] } {
  const log = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  };
  const logger: Logger & { lines: string[] } = {
    lines,
    trace: log('trace'),
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: () => logger,
    flush: () => {},
  };
  return logger;
}

const T0 = Date.parse('2026-03-01T00:00:00.000Z');

function config(schedules: unknown[]) {
  return parseFleetConfig({ schedules }).config;
}

describe('startScheduler', () => {
  it('syncs [[schedules]] and fires them on its ticks under a simulated clock', () => {
    home = createTempHome();
    const time = { now: T0 };
    const queue = createQueue({ file: home.db, clock: () => time.now });
    queues.push(queue);
    const log = recordingLogger();
    const scheduler = startScheduler({
      queue,
      config: config([
        {
          name: 'digest',
          cron: '*/15 * * * *',
          skill: 'summarize',
          payload: { path: 'notes.md' },
          priority: 4,
        },
        { name: 'off', cron: '* * * * *', skill: 'noop', enabled: false },
      ]),
      log,
      clock: () => time.now,
      timer: false,
    });
    expect(scheduler.store.list().map((schedule) => [schedule.name, schedule.source])).toEqual([
      ['digest', 'config'],
      ['off', 'config'],
    ]);
    for (let minute = 1; minute <= 60; minute += 1) {
      time.now = T0 + minute * 60_000;
      scheduler.tick();
    }
    const tasks = queue.list({ limit: 100 });
    expect(tasks).toHaveLength(4);
    expect(tasks.every((task) => task.skill === 'summarize' && task.priority === 4)).toBe(true);
    expect(log.lines.filter((line) => line.startsWith('info schedule fired'))).toHaveLength(4);
    scheduler.stop();
  });

  it('logs a bad [[schedules]] entry and a name held by a cli schedule, and keeps ticking', () => {
    home = createTempHome();
    const queue = createQueue({ file: home.db, clock: () => T0 });
    queues.push(queue);
    createScheduleStore({ queue }).add({ name: 'mine', cron: '* * * * *', skill: 'noop' });
    const log = recordingLogger();
    startScheduler({
      queue,
      config: config([{ name: 'mine', cron: '0 * * * *', skill: 'noop' }]),
      log,
      timer: false,
    }).stop();
    expect(
      log.lines.some(
        (line) => line.startsWith('warn [[schedules]] entry not applied') && line.includes('"mine"'),
      ),
    ).toBe(true);
    const bad = recordingLogger();
    const scheduler = startScheduler({
      queue,
      config: config([{ name: 'broken', cron: '99 * * * *', skill: 'noop' }]),
      log: bad,
      clock: () => T0 + 30_000,
      timer: false,
    });
    expect(
      bad.lines.some(
        (line) => line.startsWith('error [[schedules]] not synced') && line.includes('99 * * * *'),
      ),
    ).toBe(true);
    expect(scheduler.store.list().map((schedule) => schedule.name)).toEqual(['mine']);
    expect(scheduler.tick()).toEqual({ fired: [], skipped: [] });
  });

  it('refuses an unknown key in a [[schedules]] entry at config load', () => {
    expect(() => config([{ name: 'x', cron: '* * * * *', skill: 'noop', catchup: 'once' }])).toThrow(
      /schedules\.0/,
    );
  });
});
