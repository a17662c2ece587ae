#!/usr/bin/env node
// Cost of promoting dependents when a task completes, against the number of BLOCKED tasks in the queue.
// Not run by CI; `pnpm bench` runs it (the queue package's `bench` script). Build first (`npx tsup`), then:
//
//   node perf/promotion-perf.mjs [--sizes 1000,10000,100000] [--tasks 2000] [--rounds 3]
//
// For each size, a fresh file holds that many BLOCKED tasks waiting on a gate task that never finishes
// (the "pending dependents" of the issue), then one worker claims and completes `--tasks` tasks with
// completeAndClaim, three ways: tasks nobody depends on, tasks with one dependent each (each completion
// promotes one task), and the children of a fan-in (each completion decrements one join task). Times are
// CPU microseconds per completed task (user + system of this process; the median of `--rounds`), so a
// busy machine disturbs them less than wall time. The target: flat across sizes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createQueue } from '../dist/index.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000,100000' },
    tasks: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '5' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const TASKS = Number(values.tasks);
const ROUNDS = Number(values.rounds);
const BATCH = 10_000; // submitMany's limit

function median(numbers) {
  const sorted = [...numbers].sort((left, right) => left - right);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Completes every claimable task of `skill`; CPU µs per task. */
function drain(queue, skill, expected) {
  const agent = 'bench';
  const claim = { skills: [skill] };
  const before = process.cpuUsage();
  let done = 0;
  let task = queue.claim({ agent, ...claim });
  while (task) {
    done += 1;
    task = queue.completeAndClaim(task.id, agent, null, claim).next;
  }
  const cpu = process.cpuUsage(before);
  if (done !== expected) throw new Error(`${skill}: completed ${done} of ${expected}`);
  return (cpu.user + cpu.system) / done;
}

function measure(directory, size, round) {
  const queue = createQueue({ file: path.join(directory, `s${size}-r${round}.db`) });
  try {
    // The gate is assigned to an agent that never runs, so it stays PENDING and its dependents BLOCKED.
    const gate = queue.enqueue({ skill: 'gate', payload: {}, assignedTo: 'nobody' });
    for (let offset = 0; offset < size; offset += BATCH) {
      const count = Math.min(BATCH, size - offset);
      queue.submitMany(
        Array.from({ length: count }, () => ({ skill: 'waiting', payload: {}, dependsOn: [gate.id] })),
      );
    }
    const plain = Array.from({ length: TASKS }, () => ({ skill: 'plain', payload: {} }));
    const pairs = Array.from({ length: TASKS }, (_, index) => [
      { skill: 'parent', payload: {}, ref: `p${index}` },
      // Promoted tasks are assigned elsewhere: they must not lengthen this worker's claim walk.
      { skill: 'promoted', payload: {}, assignedTo: 'nobody', dependsOn: [`p${index}`] },
    ]).flat();
    const fanIn = [
      ...Array.from({ length: TASKS }, (_, index) => ({ skill: 'child', payload: {}, ref: `c${index}` })),
      {
        skill: 'join',
        payload: {},
        assignedTo: 'nobody',
        dependsOn: Array.from({ length: TASKS }, (_, index) => `c${index}`),
      },
    ];
    queue.submitMany(plain);
    for (let offset = 0; offset < pairs.length; offset += BATCH)
      queue.submitMany(pairs.slice(offset, offset + BATCH));
    queue.submitMany(fanIn);
    const result = {
      plain: drain(queue, 'plain', TASKS),
      oneDependent: drain(queue, 'parent', TASKS),
      fanIn: drain(queue, 'child', TASKS),
    };
    const counts = queue.counts();
    if (counts.PENDING !== TASKS + 2 || counts.BLOCKED !== size) {
      throw new Error(`unexpected counts after the run: ${JSON.stringify(counts)}`);
    }
    return result;
  } finally {
    queue.close();
  }
}

const directory = mkdtempSync(path.join(tmpdir(), 'biged-promotion-perf-'));
try {
  console.log(
    `@biged/queue promotion perf: ${TASKS} completions per kind, median of ${ROUNDS}, node ${process.version}, ${process.platform}`,
  );
  console.log(
    'BLOCKED in queue   no dependents   1 dependent each   fan-in child   (CPU µs per completed task)',
  );
  const rows = [];
  for (const size of sizes) {
    const runs = Array.from({ length: ROUNDS }, (_, round) => measure(directory, size, round));
    const row = {
      size,
      plain: median(runs.map((run) => run.plain)),
      oneDependent: median(runs.map((run) => run.oneDependent)),
      fanIn: median(runs.map((run) => run.fanIn)),
    };
    rows.push(row);
    console.log(
      `${String(size).padStart(16)}   ${row.plain.toFixed(1).padStart(13)}   ${row.oneDependent.toFixed(1).padStart(16)}   ${row.fanIn.toFixed(1).padStart(12)}`,
    );
  }
  const first = rows[0];
  const last = rows.at(-1);
  const growth = (key) => `x${(last[key] / first[key]).toFixed(2)}`;
  console.log(
    `growth from ${first.size} to ${last.size} BLOCKED tasks: no dependents ${growth('plain')}, ` +
      `1 dependent ${growth('oneDependent')}, fan-in ${growth('fanIn')} ` +
      '(target: the last two as flat as the first, which only shows the larger file and the noise)',
  );
} finally {
  rmSync(directory, { recursive: true, force: true });
}
