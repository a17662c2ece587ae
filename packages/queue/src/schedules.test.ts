import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue';
import { ScheduleError } from './errors/schedule-error';
import { getQueueDatabase } from './queue-database';
import { createScheduleStore } from './schedules';
import { compileCron, planScheduleTick } from './schedules-due';
import type { TaskQueue } from './task-queue';

const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const MINUTE = 60_000;
const open: TaskQueue[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const queue of open.splice(0)) queue.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup(file = ':memory:') {
  const time = { now: T0 };
  const queue = createQueue({ file, clock: () => time.now });
  open.push(queue);
  return { queue, time, store: createScheduleStore({ queue }) };
}

function expectScheduleError(run: () => unknown, code: string): ScheduleError {
  try {
    run();
  } catch (error) {
    expect(ScheduleError.isInstance(error)).toBe(true);
    expect((error as ScheduleError).code).toBe(code);
    return error as ScheduleError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

const at = (text: string) => Date.parse(`2026-03-01T${text}Z`);

describe('planScheduleTick', () => {
  const everyMinute = compileCron('* * * * *');
  const hourly = compileCron('0 * * * *');
  it.each([
    ['nothing due yet', everyMinute, 'skip', '00:00:00', '00:00:59', [], undefined, undefined],
    ['the due time itself', everyMinute, 'skip', '00:00:00', '00:01:00', ['00:01:00'], undefined, '00:01:00'],
    [
      'a due time a bit late',
      everyMinute,
      'skip',
      '00:00:00',
      '00:01:30',
      ['00:01:00'],
      undefined,
      '00:01:00',
    ],
    [
      'two due times within grace',
      everyMinute,
      'skip',
      '00:00:00',
      '00:02:00',
      ['00:01:00', '00:02:00'],
      undefined,
      '00:02:00',
    ],
    [
      'missed ones skipped, current fired',
      everyMinute,
      'skip',
      '00:00:00',
      '00:10:00',
      ['00:09:00', '00:10:00'],
      '00:08:00',
      '00:10:00',
    ],
    [
      'missed ones run once, then current',
      everyMinute,
      'once',
      '00:00:00',
      '00:10:00',
      ['00:08:00', '00:09:00', '00:10:00'],
      undefined,
      '00:10:00',
    ],
    ['only missed (skip)', hourly, 'skip', '00:00:00', '05:30:00', [], '05:00:00', '05:00:00'],
    ['only missed (once)', hourly, 'once', '00:00:00', '05:30:00', ['05:00:00'], undefined, '05:00:00'],
    ['nothing after the last due time', hourly, 'once', '05:00:00', '05:59:59', [], undefined, undefined],
  ] as const)('%s', (_label, cron, catchUp, after, now, fire, skipped, last) => {
    const plan = planScheduleTick({ cron, catchUp, after: at(after), now: at(now) });
    expect(plan.fire).toEqual(fire.map(at));
    expect(plan.skippedThrough).toBe(skipped === undefined ? undefined : at(skipped));
    expect(plan.lastDueAt).toBe(last === undefined ? undefined : at(last));
  });

  it('reads the cron in the schedule time zone', () => {
    const cron = compileCron('0 9 * * *', 'Europe/Berlin');
    // 09:00 in Berlin (UTC+1 in March before DST) is 08:00 UTC.
    const plan = planScheduleTick({ cron, catchUp: 'skip', after: at('00:00:00'), now: at('08:00:10') });
    expect(plan.fire).toEqual([at('08:00:00')]);
  });

  it.each([
    ['61 * * * *', 'cron'],
    ['* * *', 'cron'],
    ['not a cron at all', 'cron'],
  ])('refuses cron %j', (cron, field) => {
    expect(expectScheduleError(() => compileCron(cron), 'SCHEDULE_INVALID').field).toBe(field);
  });

  it('refuses an unknown time zone', () => {
    expect(
      expectScheduleError(() => compileCron('* * * * *', 'Mars/Olympus'), 'SCHEDULE_INVALID').field,
    ).toBe('timezone');
  });
});

describe('schedule store', () => {
  it('fires once per minute for an hour under a simulated clock: 60 fires, no gap, no duplicate', () => {
    const { queue, time, store } = setup();
    store.add({ name: 'minutely', cron: '* * * * *', skill: 'noop', payload: { n: 1 }, priority: 3 });
    const fired: number[] = [];
    // Tick every second for an hour, plus some ticks that land exactly on due times twice.
    for (let second = 1; second <= 3600; second += 1) {
      time.now = T0 + second * 1000;
      for (const fire of store.tick({ firedBy: 'test' }).fired) fired.push(fire.dueAt);
      if (second % 60 === 0) expect(store.tick({ firedBy: 'test' }).fired).toEqual([]);
    }
    expect(fired).toEqual(Array.from({ length: 60 }, (_, index) => T0 + (index + 1) * MINUTE));
    const tasks = queue.list({ limit: 1000 });
    expect(tasks).toHaveLength(60);
    expect(tasks.every((task) => task.skill === 'noop' && task.priority === 3 && task.payload.n === 1)).toBe(
      true,
    );
    const fires = getQueueDatabase(queue)
      .prepare('SELECT count(*) AS n, count(DISTINCT task_id) AS tasks FROM schedule_fires')
      .get();
    expect(fires).toEqual({ n: 60, tasks: 60 });
    expect(store.list()[0]?.lastDueAt).toBe(new Date(T0 + 60 * MINUTE).toISOString());
  });

  it('two schedulers on one database file enqueue each due time exactly once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'biged-schedules-'));
    dirs.push(dir);
    const file = join(dir, 'fleet.db');
    const first = setup(file);
    const second = setup(file);
    first.store.add({ name: 'minutely', cron: '* * * * *', skill: 'noop' });
    const fired: number[] = [];
    for (let second_ = 1; second_ <= 3600; second_ += 7) {
      // Both tick at the same moment, in either order, and sometimes one lags a little behind.
      first.time.now = T0 + second_ * 1000;
      second.time.now = first.time.now - (second_ % 3) * 1000;
      const order = second_ % 2 === 0 ? [first, second] : [second, first];
      for (const { store } of order) {
        for (const fire of store.tick({ firedBy: store === first.store ? 'a' : 'b' }).fired)
          fired.push(fire.dueAt);
      }
    }
    expect(fired.sort((a, b) => a - b)).toEqual(
      Array.from({ length: 59 }, (_, index) => T0 + (index + 1) * MINUTE),
    );
    expect(first.queue.list({ limit: 1000 })).toHaveLength(59);
    const firedBy = getQueueDatabase(first.queue)
      .prepare('SELECT fired_by AS firedBy, count(*) AS n FROM schedule_fires GROUP BY fired_by')
      .all() as Array<{ firedBy: string; n: number }>;
    expect(firedBy.reduce((sum, row) => sum + row.n, 0)).toBe(59);
  });

  it('enqueues nothing for a due time whose fire row exists, even when last_due_at went back', () => {
    const { queue, time, store } = setup();
    store.add({ name: 'm', cron: '* * * * *', skill: 'noop' });
    time.now = T0 + MINUTE;
    expect(store.tick({ firedBy: 'a' }).fired).toHaveLength(1);
    // Another supervisor that read an old last_due_at would plan the same due time again.
    getQueueDatabase(queue).prepare('UPDATE schedules SET last_due_at = NULL').run();
    expect(store.tick({ firedBy: 'b' }).fired).toEqual([]);
    expect(queue.list()).toHaveLength(1);
  });

  it('after downtime, catch_up skip passes over missed times and once runs one task for them', () => {
    const { queue, time, store } = setup();
    store.add({ name: 'skipper', cron: '*/5 * * * *', skill: 'noop', catchUp: 'skip' });
    store.add({ name: 'oncer', cron: '*/5 * * * *', skill: 'summarize', catchUp: 'once' });
    time.now = T0 + 3 * 3600_000 + 30_000; // down for three hours; the latest due time is 30 s old
    const result = store.tick({ firedBy: 'a' });
    expect(result.skipped).toEqual([{ schedule: 'skipper', through: T0 + 3 * 3600_000 - 5 * MINUTE }]);
    expect(result.fired.map((fire) => [fire.schedule, fire.dueAt])).toEqual([
      ['skipper', T0 + 3 * 3600_000],
      ['oncer', T0 + 3 * 3600_000 - 5 * MINUTE],
      ['oncer', T0 + 3 * 3600_000],
    ]);
    expect(
      queue
        .list()
        .map((task) => task.skill)
        .sort(),
    ).toEqual(['noop', 'summarize', 'summarize']);
  });

  it('adds, lists and removes cli schedules, with clear errors', () => {
    const { store } = setup();
    const added = store.add({
      name: 'nightly',
      cron: '0 3 * * *',
      skill: 'summarize',
      payload: '{"path":"a.md"}',
    });
    expect(added).toMatchObject({
      name: 'nightly',
      source: 'cli',
      catchUp: 'skip',
      enabled: true,
      payload: { path: 'a.md' },
      lastDueAt: null,
      nextDueAt: '2026-03-01T03:00:00.000Z',
    });
    expectScheduleError(
      () => store.add({ name: 'nightly', cron: '0 3 * * *', skill: 'noop' }),
      'SCHEDULE_EXISTS',
    );
    expect(
      expectScheduleError(() => store.add({ name: 'x', cron: '0 3 * *', skill: 'noop' }), 'SCHEDULE_INVALID')
        .field,
    ).toBe('cron');
    expect(
      expectScheduleError(() => store.add({ name: 'x', cron: '0 3 * * *', skill: 'No' }), 'SCHEDULE_INVALID')
        .field,
    ).toBe('skill');
    expect(
      expectScheduleError(
        () => store.add({ name: 'x y', cron: '0 3 * * *', skill: 'noop' }),
        'SCHEDULE_INVALID',
      ).field,
    ).toBe('name');
    expect(
      expectScheduleError(
        () => store.add({ name: 'x', cron: '0 3 * * *', skill: 'noop', payload: '[1]' }),
        'SCHEDULE_INVALID',
      ).field,
    ).toBe('payload');
    expect(
      expectScheduleError(
        () => store.add({ name: 'x', cron: '0 3 * * *', skill: 'noop', priority: 0 }),
        'SCHEDULE_INVALID',
      ).field,
    ).toBe('priority');
    expect(
      expectScheduleError(
        () => store.add({ name: 'x', cron: '0 3 * * *', skill: 'noop', catchUp: 'all' as 'skip' }),
        'SCHEDULE_INVALID',
      ).field,
    ).toBe('catch_up');
    expect(store.list().map((schedule) => schedule.name)).toEqual(['nightly']);
    store.remove('nightly');
    expect(store.list()).toEqual([]);
    expectScheduleError(() => store.remove('nightly'), 'SCHEDULE_NOT_FOUND');
  });

  it('syncs config schedules: adds, updates, removes, and leaves cli ones alone', () => {
    const { store, time } = setup();
    store.add({ name: 'mine', cron: '0 1 * * *', skill: 'noop' });
    expect(
      store.sync([
        { name: 'a', cron: '0 * * * *', skill: 'noop' },
        { name: 'b', cron: '0 * * * *', skill: 'noop' },
        { name: 'mine', cron: '0 2 * * *', skill: 'noop' },
      ]),
    ).toEqual({ added: ['a', 'b'], updated: [], removed: [], conflicts: ['mine'] });
    time.now = T0 + 3600_000;
    store.tick({ firedBy: 'x' });
    expect(
      store.sync([
        { name: 'a', cron: '30 * * * *', skill: 'noop' },
        { name: 'c', cron: '0 * * * *', skill: 'noop', enabled: false },
      ]),
    ).toEqual({ added: ['c'], updated: ['a'], removed: ['b'], conflicts: [] });
    const byName = Object.fromEntries(store.list().map((schedule) => [schedule.name, schedule]));
    expect(byName.a).toMatchObject({
      cron: '30 * * * *',
      source: 'config',
      lastDueAt: new Date(T0 + 3600_000).toISOString(),
    });
    expect(byName.c?.enabled).toBe(false);
    expect(byName.mine).toMatchObject({ source: 'cli', cron: '0 1 * * *' });
    expectScheduleError(() => store.remove('a'), 'SCHEDULE_READ_ONLY');
    expectScheduleError(
      () =>
        store.sync([
          { name: 'd', cron: 'bad', skill: 'noop' },
          { name: 'd', cron: '* * * * *', skill: 'noop' },
        ]),
      'SCHEDULE_INVALID',
    );
    expectScheduleError(
      () =>
        store.sync([
          { name: 'd', cron: '* * * * *', skill: 'noop' },
          { name: 'd', cron: '* * * * *', skill: 'noop' },
        ]),
      'SCHEDULE_INVALID',
    );
    expect(store.list().map((schedule) => schedule.name)).toEqual(['a', 'c', 'mine']);
  });

  it('a disabled schedule never fires', () => {
    const { queue, time, store } = setup();
    store.sync([{ name: 'off', cron: '* * * * *', skill: 'noop', enabled: false }]);
    time.now = T0 + 10 * MINUTE;
    expect(store.tick({ firedBy: 'a' }).fired).toEqual([]);
    expect(queue.list()).toEqual([]);
  });
});
