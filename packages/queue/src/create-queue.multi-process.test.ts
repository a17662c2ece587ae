import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTempHome, type TempHome } from '@biged/core/test';
import { afterEach, describe, expect, it } from 'vitest';
import { forkWorkers } from './__fixtures__/fork-workers';
import { createQueue } from './create-queue';
import { getQueueDatabase } from './queue-database';

// The workers import the built package (dist/), like a real fleet; turbo runs `build` before `test`.
const worker = fileURLToPath(new URL('./__fixtures__/claim-worker.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const TASKS = 2000;
const PROCESSES = 4;

interface WorkerReport {
  type: 'done';
  agent: string;
  claimed: number[];
  waits: number[];
  elapsedMs: number;
}

let home: TempHome | undefined;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill();
  home?.cleanup();
});

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0;
}

describe('several worker processes on one SQLite file', () => {
  it(`claim ${TASKS} tasks exactly once between ${PROCESSES} processes`, async () => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npx tsup\` in packages/queue first`);
    home = createTempHome();
    // A fresh path: the workers race to create and migrate it.
    const file = path.join(home.home, 'fleet.db');

    const workers = forkWorkers<WorkerReport>(
      worker,
      Array.from({ length: PROCESSES }, (_, index) => [
        file,
        `worker_${index + 1}`,
        index % 2 === 0 ? 'split' : 'combined',
      ]),
    );
    children.push(...workers.children);
    await workers.ready;

    const queue = createQueue({ file });
    try {
      for (let index = 0; index < TASKS; index++) {
        queue.enqueue({ skill: 'summarize', payload: { index }, priority: 1 + (index % 10) });
      }
      for (const child of children) child.send({ type: 'go' });
      const results = await workers.reports;

      const claimedBy = new Map<number, string>();
      for (const result of results) {
        expect(result.claimed.length, `${result.agent} claimed nothing`).toBeGreaterThan(0);
        for (const id of result.claimed) {
          expect(claimedBy.get(id), `task ${id} claimed twice`).toBeUndefined();
          claimedBy.set(id, result.agent);
        }
      }
      expect(claimedBy.size).toBe(TASKS);

      const rows = getQueueDatabase(queue)
        .prepare('SELECT id, status, attempts, claimed_by AS claimedBy, result_json AS resultJson FROM tasks')
        .all() as Array<{
        id: number;
        status: string;
        attempts: number;
        claimedBy: string;
        resultJson: string;
      }>;
      expect(rows).toHaveLength(TASKS);
      for (const row of rows) {
        expect(row).toEqual({
          id: row.id,
          status: 'DONE',
          attempts: 1,
          claimedBy: claimedBy.get(row.id),
          resultJson: JSON.stringify({ by: claimedBy.get(row.id) }),
        });
      }

      const waits = results.flatMap((result) => result.waits);
      const p99 = percentile(waits, 0.99);
      console.info(
        `multi-process claim: ${results.map((result) => `${result.agent}=${result.claimed.length}`).join(' ')}; ` +
          `write call p50 ${percentile(waits, 0.5).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, ` +
          `max ${Math.max(...waits).toFixed(2)} ms`,
      );
      // A loose guard against starvation (SQLite's own busy handler gives multi-second stalls); the
      // perf script measures the real numbers.
      expect(p99).toBeLessThan(250);
    } finally {
      queue.close();
    }
  });
});
