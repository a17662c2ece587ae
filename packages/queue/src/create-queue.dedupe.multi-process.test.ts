import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTempHome, type TempHome } from '@biged/core/test';
import { afterEach, describe, expect, it } from 'vitest';
import { forkWorkers } from './__fixtures__/fork-workers';
import { createQueue } from './create-queue';
import { getQueueDatabase } from './queue-database';

// The processes import the built package (dist/), like a real fleet; turbo runs `build` before `test`.
const worker = fileURLToPath(new URL('./__fixtures__/submit-worker.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const KEYS = 300;
const PROCESSES = 4;

interface SubmitReport {
  type: 'done';
  results: Array<{ key: string; id: number; duplicate: boolean }>;
}

let home: TempHome | undefined;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
  home?.cleanup();
});

describe('idempotent submits from several processes on one SQLite file', () => {
  it(`${PROCESSES} processes submitting the same ${KEYS} keys leave exactly one task per key`, async () => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npx tsup\` in packages/queue first`);
    home = createTempHome();
    const file = path.join(home.home, 'fleet.db');

    // Two go through the keys forwards, two backwards: every key is raced by at least two at once.
    const workers = forkWorkers<SubmitReport>(
      worker,
      Array.from({ length: PROCESSES }, (_, index) => [file, index % 2 === 0 ? 'forward' : 'backward']),
    );
    children.push(...workers.children);
    await workers.ready;
    const keys = Array.from({ length: KEYS }, (_, index) => `digest-${index}`);
    for (const child of children) child.send({ type: 'go', keys });
    const results = (await workers.reports).flatMap((report) => report.results);
    expect(results).toHaveLength(KEYS * PROCESSES);

    const queue = createQueue({ file });
    try {
      const database = getQueueDatabase(queue);
      expect(database.pragma('journal_mode', { simple: true })).toBe('wal');
      const rows = database
        .prepare('SELECT idempotency_key AS key, count(*) AS count, min(id) AS id FROM tasks GROUP BY 1')
        .all() as Array<{ key: string; count: number; id: number }>;
      expect(rows).toHaveLength(KEYS);
      expect(rows.every((row) => row.count === 1)).toBe(true);
      const idByKey = new Map(rows.map((row) => [row.key, row.id]));
      for (const key of keys) {
        const answers = results.filter((result) => result.key === key);
        expect(answers).toHaveLength(PROCESSES);
        // Every process got the one task, and exactly one of them created it.
        expect(new Set(answers.map((answer) => answer.id))).toEqual(new Set([idByKey.get(key)]));
        expect(answers.filter((answer) => !answer.duplicate)).toHaveLength(1);
      }
      // No id was burnt by a losing INSERT: the ids are exactly 1..KEYS.
      expect(Math.max(...idByKey.values())).toBe(KEYS);
    } finally {
      queue.close();
    }
  });
});
