import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSilentLogger, type FleetConfig, fleetPaths, parseFleetConfig, type Task } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { writeHwState } from '@biged/hw-monitor';
import { createQueue, type TaskQueue } from '@biged/queue';
import { createSkillRegistry, defineSkill, z } from '@biged/skill-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { IdleCurriculumError } from './errors/idle-curriculum-error';
import { createHwStateReader } from './hw-state-reader';
import { createIdleWork, IDLE_TASK_PRIORITY, parseIdleCurriculum, pickByWeight } from './idle-work';
import { hwStateFixture, waitFor } from './test-helpers';
import { runWorker, type WorkerHandle } from './worker';

let home: TempHome | undefined;
let queue: TaskQueue | undefined;
let worker: WorkerHandle | undefined;
afterEach(async () => {
  await worker?.stop(100);
  queue?.close();
  home?.cleanup();
  worker = undefined;
  queue = undefined;
});

const CURRICULUM = `
[[skills]]
skill = "study"
weight = 3
payload = { topic = "rust" }

[[skills]]
skill = "review"
weight = 1

[[skills]]
skill = "not_installed"
weight = 100
`;

const study = defineSkill({
  name: 'study',
  description: 'Idle study.',
  payload: z.object({ topic: z.string() }),
  run: ({ topic }) => ({ topic }),
});
const review = defineSkill({
  name: 'review',
  description: 'Idle review.',
  payload: z.object({}),
  run: () => ({}),
});
const real = defineSkill({
  name: 'real',
  description: 'Real work.',
  payload: z.object({}),
  run: () => ({ real: true }),
});

function setup(fleet: Record<string, unknown>, curriculum: string | null = CURRICULUM) {
  home = createTempHome();
  queue = createQueue({ file: home.db });
  if (curriculum !== null) {
    mkdirSync(join(home.home, 'idle_curricula'));
    writeFileSync(join(home.home, 'idle_curricula', 'researcher.toml'), curriculum);
  }
  const config = parseFleetConfig({
    fleet: { hw_monitor: false, heartbeat_interval_secs: 0.05, ...fleet },
  }).config;
  return { queue, config, paths: fleetPaths(home.home) };
}

/** A seeded generator (mulberry32), so weighted picks are reproducible. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const agent = { name: 'researcher', role: 'researcher' };
const claim = { agent: 'researcher', skills: ['study', 'review', 'real'] };

describe('idle curricula', () => {
  it('parses weighted skills and refuses bad files naming the field', () => {
    expect(parseIdleCurriculum(CURRICULUM)).toEqual([
      { skill: 'study', weight: 3, payload: { topic: 'rust' } },
      { skill: 'review', weight: 1, payload: {} },
      { skill: 'not_installed', weight: 100, payload: {} },
    ]);
    for (const [text, field] of [
      ['[[skills]]\nskill = "a"\nweight = 0', 'skills.0.weight'],
      ['[[skills]]\nskill = "a"\nextra = 1', 'skills.0.extra'],
      ['skills = []', 'skills'],
      ['[[skills]]\nweight = 1', 'skills.0.skill'],
    ] as const) {
      try {
        parseIdleCurriculum(text, 'r.toml');
        throw new Error('expected an error');
      } catch (error) {
        expect(IdleCurriculumError.isInstance(error)).toBe(true);
        expect((error as IdleCurriculumError).field).toBe(field);
        expect((error as IdleCurriculumError).message).toContain(`r.toml: ${field}`);
      }
    }
    expect(() => parseIdleCurriculum('[[skills', 'r.toml')).toThrow(/r\.toml: not valid TOML/);
  });

  it('picks by weight', () => {
    const entries = [
      { name: 'a', weight: 3 },
      { name: 'b', weight: 1 },
    ];
    expect(pickByWeight(entries, () => 0).name).toBe('a');
    expect(pickByWeight(entries, () => 0.74).name).toBe('a');
    expect(pickByWeight(entries, () => 0.76).name).toBe('b');
    const random = seeded(42);
    const counts = { a: 0, b: 0 };
    for (let index = 0; index < 4000; index += 1)
      counts[pickByWeight(entries, random).name as 'a' | 'b'] += 1;
    expect(counts.a / 4000).toBeGreaterThan(0.7);
    expect(counts.a / 4000).toBeLessThan(0.8);
  });

  it('takes one curriculum task after the idle timeout, at priority 1, only when the claim found nothing', () => {
    const { queue: q, config, paths } = setup({ idle_enabled: true, idle_timeout_secs: 10 });
    const time = { now: 1_000_000 };
    const idle = createIdleWork({
      queue: q,
      agent,
      config,
      paths,
      log: createSilentLogger(),
      skills: ['study', 'review', 'real'],
      hwState: false,
      random: () => 0,
      clock: () => time.now,
    });
    expect(idle).toBeDefined();
    time.now += 9_999;
    expect(idle!.after([], claim)).toEqual([]);
    time.now += 1;
    // A real task claimed now restarts the idle timer and is handed back untouched.
    const realTask = q.enqueue({ skill: 'real', payload: {} });
    const claimed = q.claimMany(claim, 1);
    expect(idle!.after(claimed, claim)).toEqual(claimed);
    expect(q.list()).toHaveLength(1);
    time.now += 10_000;
    const [task] = idle!.after([], claim) as Task[];
    expect(task).toMatchObject({
      skill: 'study',
      payload: { topic: 'rust' },
      priority: IDLE_TASK_PRIORITY,
      status: 'RUNNING',
    });
    expect(task?.assignedTo).toBe('researcher');
    // At most one per idle_timeout_secs.
    expect(idle!.after([], claim)).toEqual([]);
    expect(
      q
        .list()
        .map((item) => item.id)
        .sort(),
    ).toEqual([realTask.id, task?.id].sort());
  });

  it('is off unless enabled, without a curriculum, or when no curriculum skill is installed', () => {
    const log = createSilentLogger();
    let setupResult = setup({ idle_enabled: false });
    const base = { agent, log, skills: ['study'], hwState: false as const };
    expect(
      createIdleWork({
        ...base,
        queue: setupResult.queue,
        config: setupResult.config,
        paths: setupResult.paths,
      }),
    ).toBeUndefined();
    queue?.close();
    home?.cleanup();
    setupResult = setup({ idle_enabled: true }, null);
    expect(
      createIdleWork({
        ...base,
        queue: setupResult.queue,
        config: setupResult.config,
        paths: setupResult.paths,
      }),
    ).toBeUndefined();
    queue?.close();
    home?.cleanup();
    setupResult = setup({ idle_enabled: true }, '[[skills]]\nskill = "other_skill"');
    expect(
      createIdleWork({
        ...base,
        queue: setupResult.queue,
        config: setupResult.config,
        paths: setupResult.paths,
      }),
    ).toBeUndefined();
    queue?.close();
    home?.cleanup();
    setupResult = setup({ idle_enabled: true }, 'not toml [');
    expect(
      createIdleWork({
        ...base,
        queue: setupResult.queue,
        config: setupResult.config,
        paths: setupResult.paths,
      }),
    ).toBeUndefined();
  });

  it.each([
    [{ eco_mode: true }, false, 'eco mode'],
    [{ eco_mode: true, idle_in_eco: true }, false, undefined],
    [{ air_gap_mode: true }, false, 'air-gap mode'],
    [{ air_gap_mode: true, idle_in_air_gap: true }, false, undefined],
    [{}, true, 'eco mode'],
    [{ idle_in_eco: true }, true, undefined],
  ])('with %j (hw_state eco: %s) idle work is blocked by %s', async (fleet, hwEco, reason) => {
    const { queue: q, config, paths } = setup({ idle_enabled: true, idle_timeout_secs: 0, ...fleet });
    if (hwEco) await writeHwState(paths.hwState, hwStateFixture({ eco_mode: true }));
    const idle = createIdleWork({
      queue: q,
      agent,
      config: config as FleetConfig,
      paths,
      log: createSilentLogger(),
      skills: ['study', 'review'],
      hwState: createHwStateReader({ file: paths.hwState, pollIntervalMs: 60_000 }),
    });
    expect(idle?.blockedReason()).toBe(reason);
    expect(idle!.after([], claim)).toHaveLength(reason === undefined ? 1 : 0);
  });

  it('a worker with an empty queue runs curriculum tasks, and real tasks as soon as they come', async () => {
    const { queue: q, config, paths } = setup({ idle_enabled: true, idle_timeout_secs: 1 });
    const finished: Task[] = [];
    worker = runWorker({
      agent,
      config,
      paths,
      queue: q,
      skills: createSkillRegistry([study, review, real]),
      log: createSilentLogger(),
      idlePollMs: { min: 1, max: 10 },
      random: seeded(7),
      onTaskFinished: (task) => finished.push(task),
    });
    await waitFor(() => finished.length >= 2, 10_000, 'two idle tasks');
    const realTask = q.enqueue({ skill: 'real', payload: {} });
    await waitFor(() => q.get(realTask.id)?.status === 'DONE', 10_000, 'the real task');
    const idleTasks = q.list({ limit: 1000 }).filter((task) => task.skill !== 'real');
    expect(idleTasks.every((task) => task.priority === 1 && ['study', 'review'].includes(task.skill))).toBe(
      true,
    );
    expect(idleTasks.filter((task) => task.status === 'PENDING').length).toBeLessThanOrEqual(1);
  });
});
