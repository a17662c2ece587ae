import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTempHome, type TempHome } from '@biged/core/test';
import { afterEach, describe, expect, it } from 'vitest';
import { forkWorkers } from '../__fixtures__/fork-workers';
import { createQueue } from '../create-queue';
import { getQueueDatabase } from '../queue-database';

// The workers import the built package (dist/), like a real fleet; turbo runs `build` before `test`.
const worker = fileURLToPath(new URL('../__fixtures__/budget-worker.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../../dist/index.js', import.meta.url));

const PROCESSES = 4;
const ATTEMPTS = 5;

interface WorkerReport {
  type: 'done';
  agent: string;
  reserved: number[];
  refused: number;
}

let home: TempHome | undefined;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
  home?.cleanup();
});

describe('budget reservations from several processes', () => {
  it(`${PROCESSES} processes × ${ATTEMPTS} reservations of $0.004 against $0.01: exactly 2 succeed`, async () => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npx tsup\` in packages/queue first`);
    home = createTempHome();
    const file = path.join(home.home, 'fleet.db');
    // Create and migrate the file first, so the workers race on the budget, not on the migration.
    createQueue({ file }).close();

    const workers = forkWorkers<WorkerReport>(
      worker,
      Array.from({ length: PROCESSES }, (_, index) => [
        file,
        `worker_${index + 1}`,
        String(ATTEMPTS),
        '0.004',
        '0.01',
      ]),
    );
    children.push(...workers.children);
    await workers.ready;
    for (const child of children) child.send({ type: 'go' });
    const results = await workers.reports;

    const reserved = results.flatMap((result) => result.reserved);
    expect(reserved).toHaveLength(2);
    expect(results.reduce((total, result) => total + result.refused, 0)).toBe(PROCESSES * ATTEMPTS - 2);

    const queue = createQueue({ file });
    try {
      const rows = getQueueDatabase(queue)
        .prepare('SELECT status, cost_micro_usd AS cost, reserved_micro_usd AS reserved FROM usage')
        .all() as Array<{ status: string; cost: number; reserved: number }>;
      expect(rows).toHaveLength(2);
      const committed = rows.reduce(
        (total, row) =>
          total + (row.status === 'SETTLED' ? row.cost : row.status === 'RESERVED' ? row.reserved : 0),
        0,
      );
      expect(committed).toBeLessThanOrEqual(10_000);
      expect(committed).toBe(8_000);
    } finally {
      queue.close();
    }
  });
});
