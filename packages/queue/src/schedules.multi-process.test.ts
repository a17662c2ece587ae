import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTempHome, type TempHome } from '@biged/core/test';
import { afterEach, describe, expect, it } from 'vitest';
import { forkWorkers } from './__fixtures__/fork-workers';
import { createQueue } from './create-queue';
import { getQueueDatabase } from './queue-database';
import { createScheduleStore } from './schedules';

// The processes import the built package (dist/), like real supervisors; turbo runs `build` before `test`.
const worker = fileURLToPath(new URL('./__fixtures__/schedule-worker.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const PROCESSES = 4;
const T0 = Date.parse('2026-03-01T00:00:00.000Z');

let home: TempHome | undefined;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
  home?.cleanup();
});

describe('schedulers in several processes on one SQLite file', () => {
  it(`${PROCESSES} processes ticking one per-minute schedule for an hour fire each due time once`, async () => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npx tsup\` in packages/queue first`);
    home = createTempHome();
    const file = path.join(home.home, 'fleet.db');
    const setup = createQueue({ file, clock: () => T0 });
    createScheduleStore({ queue: setup }).add({ name: 'minutely', cron: '* * * * *', skill: 'noop' });
    setup.close();

    const workers = forkWorkers<{ type: 'done'; fired?: number[] }>(
      worker,
      Array.from({ length: PROCESSES }, (_, index) => [file, `supervisor-${index}`]),
    );
    children.push(...workers.children);
    await workers.ready;
    // Each ticks every 5 simulated seconds from its own offset, so the processes race on every due time.
    children.forEach((child, index) => {
      child.send({ type: 'go', t0: T0, step: 5, offset: 1 + index });
    });
    const fired = (await workers.reports).flatMap((report) => report.fired ?? []).sort((a, b) => a - b);
    const expected = Array.from({ length: 60 }, (_, index) => T0 + (index + 1) * 60_000);
    expect(fired).toEqual(expected);

    const queue = createQueue({ file });
    try {
      const database = getQueueDatabase(queue);
      expect(database.prepare('SELECT count(*) FROM tasks').pluck().get()).toBe(60);
      const fires = database
        .prepare('SELECT due_at AS dueAt, task_id AS taskId FROM schedule_fires ORDER BY due_at')
        .all() as Array<{ dueAt: number; taskId: number }>;
      expect(fires.map((fire) => fire.dueAt)).toEqual(expected);
      expect(new Set(fires.map((fire) => fire.taskId)).size).toBe(60);
    } finally {
      queue.close();
    }
  }, 60_000);
});
