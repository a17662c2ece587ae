import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTempHome, type TempHome } from '@biged/core/test';
import { writeHwState } from '@biged/hw-monitor';
import { type FakeOllama, hwStateFixture, startFakeOllama } from '@biged/hw-monitor/test';
import { createQueue, type TaskQueue } from '@biged/queue';
import { runSkill } from '@biged/skill-sdk';
import { type MemoryOptimizerResult, memoryOptimizer } from '@biged/skills';
import { afterEach, describe, expect, it } from 'vitest';
import { closedPort } from './test-helpers';
import { collectGarbage } from './worker-gc';

// The memory_optimizer skill against a real fleet home: fleet.db through the real queue, run/supervisor.json
// naming live and dead processes, hw_state.json, and a local HTTP server answering as Ollama does.

let home: TempHome | undefined;
let queue: TaskQueue | undefined;
let ollama: FakeOllama | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  child?.kill('SIGKILL');
  queue?.close();
  await ollama?.close();
  home?.cleanup();
  home = queue = ollama = child = undefined;
});

/** A pid that existed and is gone now. */
async function deadPid(): Promise<number> {
  const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => gone.once('exit', resolve));
  return gone.pid!;
}

async function setup(loaded = ['qwen3:4b', 'qwen3:8b', 'llava:7b', 'nomic-embed-text']) {
  home = createTempHome();
  queue = createQueue({ file: home.db });
  ollama = await startFakeOllama({ loaded: loaded.map((name) => ({ name, sizeMb: 2000 })) });
  child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  const gone = await deadPid();
  mkdirSync(home.run, { recursive: true });
  writeFileSync(
    path.join(home.run, 'supervisor.json'),
    JSON.stringify({
      pid: process.pid,
      host: 'test',
      startedAt: new Date().toISOString(),
      ready: true,
      workers: [
        { name: 'coder_1', pid: child.pid },
        { name: 'coder_2', pid: gone },
        { name: 'coder_3', pid: null },
      ],
    }),
  );
  // The hardware monitor runs the mid tier (qwen3:4b, also the conductor here).
  await writeHwState(
    home.hwState,
    hwStateFixture({
      tier: 'mid',
      model: 'qwen3:4b',
      ollama: { ...hwStateFixture().ollama, host: ollama.url },
    }),
  );
  return { home, queue, ollama, childPid: child.pid!, gone };
}

/** Runs memory_optimizer as the worker would: its own task RUNNING in the queue. */
async function optimize(payload: Record<string, unknown>) {
  const own = queue!.enqueue({ skill: 'memory_optimizer', payload });
  const claimed = queue!.claim({ agent: 'ops_1', skills: ['memory_optimizer'] });
  expect(claimed?.id).toBe(own.id);
  const { result } = await runSkill(memoryOptimizer, payload, {
    home: home!.home,
    task: { id: own.id, agent: 'ops_1' },
  });
  queue!.complete(own.id, 'ops_1', {});
  return result as MemoryOptimizerResult;
}

describe('memory_optimizer', () => {
  it('audit: RSS of each fleet process, loaded and idle Ollama models, fleet.db sizes', async () => {
    const { childPid, gone } = await setup();
    const result = await optimize({ action: 'audit' });
    const byName = Object.fromEntries(result.audit.processes.map((item) => [item.name, item]));
    expect(Object.keys(byName).sort()).toEqual(['coder_1', 'coder_2', 'hw_supervisor', 'supervisor']);
    expect(byName.supervisor).toMatchObject({ pid: process.pid });
    expect(byName.supervisor?.rssMb).toBeGreaterThan(10);
    expect(byName.coder_1).toMatchObject({ pid: childPid });
    expect(byName.coder_1?.rssMb).toBeGreaterThan(1);
    expect(byName.coder_2).toEqual({ name: 'coder_2', pid: gone, rssMb: null });
    expect(result.audit.totalRssMb).toBeGreaterThan(byName.supervisor!.rssMb!);
    expect(result.audit.ollama).toMatchObject({
      host: ollama!.url,
      reachable: true,
      error: null,
      // As Ollama names them: untagged names get `:latest`.
      idle: ['qwen3:8b', 'llava:7b', 'nomic-embed-text:latest'],
    });
    expect(result.audit.ollama.models.map((model) => model.name)).toEqual([
      'qwen3:4b',
      'qwen3:8b',
      'llava:7b',
      'nomic-embed-text:latest',
    ]);
    expect(result.audit.ollama.models[0]).toMatchObject({ sizeMb: 2000 });
    expect(result.audit).toMatchObject({ tierModel: 'qwen3:4b', conductorModel: 'qwen3:4b', notes: [] });
    expect(result.audit.database.sizes?.db).toBe(statSync(home!.db).size);
    expect(result.audit.ram).toEqual({ usedMb: 4000, totalMb: 16000 });
    expect(result.optimize).toBeUndefined();
    // Nothing was unloaded, nobody was messaged.
    expect(ollama!.loaded()).toHaveLength(4);
    expect(queue!.inbox('coder_1')).toEqual([]);
  });

  it('optimize: unloads the idle models (keep_alive 0), keeps tier, conductor and `keep`, asks live workers to GC', async () => {
    await setup();
    const result = await optimize({ action: 'optimize', keep: ['nomic-embed-text'] });
    expect(result.optimize).toEqual({
      dryRun: false,
      unloaded: ['qwen3:8b', 'llava:7b'],
      unloadFailed: [],
      gcRequested: ['coder_1'],
    });
    const unloads = ollama!.requests
      .filter((request) => request.path === '/api/generate')
      .map((request) => request.body);
    expect(unloads).toEqual([
      { model: 'qwen3:8b', keep_alive: 0 },
      { model: 'llava:7b', keep_alive: 0 },
    ]);
    expect(ollama!.loaded()).toEqual(['qwen3:4b', 'nomic-embed-text:latest']);
    // The message the worker reads (the dead worker and the supervisor get none).
    expect(queue!.inbox('coder_1')).toMatchObject([{ from: 'memory_optimizer', body: { type: 'gc' } }]);
    expect(queue!.inbox('coder_2')).toEqual([]);
  });

  it('optimize with dry_run: reports and changes nothing', async () => {
    await setup();
    const result = await optimize({ action: 'optimize', dry_run: true });
    expect(result.optimize).toEqual({
      dryRun: true,
      unloaded: ['qwen3:8b', 'llava:7b', 'nomic-embed-text:latest'],
      unloadFailed: [],
      gcRequested: ['coder_1'],
    });
    expect(ollama!.requests.filter((request) => request.path === '/api/generate')).toEqual([]);
    expect(queue!.inbox('coder_1')).toEqual([]);
  });

  it('optimize: an unload Ollama refuses is reported, the rest goes on', async () => {
    await setup(['qwen3:4b', 'qwen3:8b']);
    ollama!.override('/api/generate', { status: 500, body: { error: 'runner busy' } });
    const result = await optimize({ action: 'optimize' });
    expect(result.optimize?.unloaded).toEqual([]);
    expect(result.optimize?.unloadFailed).toEqual([
      { model: 'qwen3:8b', error: expect.stringContaining('500') },
    ]);
    expect(result.optimize?.gcRequested).toEqual(['coder_1']);
  });

  it('compact with nothing else RUNNING: TRUNCATE checkpoint empties the WAL, VACUUM runs', async () => {
    await setup();
    for (let i = 0; i < 300; i += 1) queue!.enqueue({ skill: 'noop', payload: { echo: 'x'.repeat(200) } });
    for (const task of queue!.claimMany({ agent: 'coder_1', skills: ['noop'] }, 300)) {
      queue!.complete(task.id, 'coder_1', {});
    }
    const result = await optimize({ action: 'compact', vacuum: true });
    expect(result.compact).toMatchObject({
      runningTasks: 0,
      checkpoint: { mode: 'TRUNCATE', busy: false },
      vacuumed: true,
      vacuumSkipped: null,
    });
    expect(result.compact!.before.wal).toBeGreaterThan(0);
    expect(result.compact!.after.wal).toBe(0);
    // The queue still works on the compacted file: 300 noops and the optimizer's own task.
    expect(queue!.counts().DONE).toBe(301);
  });

  it('compact while another task RUNS: a PASSIVE checkpoint only, no VACUUM, the task untouched', async () => {
    await setup();
    const busy = queue!.enqueue({ skill: 'summarize', payload: {} });
    expect(queue!.claim({ agent: 'coder_1', skills: ['summarize'] })?.id).toBe(busy.id);
    const result = await optimize({ action: 'compact', vacuum: true });
    expect(result.compact).toMatchObject({
      runningTasks: 1,
      checkpoint: { mode: 'PASSIVE' },
      vacuumed: false,
      vacuumSkipped: expect.stringContaining('1 other task(s) RUNNING'),
    });
    expect(queue!.get(busy.id)).toMatchObject({ status: 'RUNNING', claimedBy: 'coder_1' });
    expect(queue!.heartbeat(busy.id, 'coder_1').cancelled).toBe(false);
    expect(queue!.complete(busy.id, 'coder_1', { ok: true })).toBe(true);
  });

  it('monitor: thresholds crossed become alerts; all clear gives none', async () => {
    await setup();
    const clear = await optimize({ action: 'monitor' });
    expect(clear.alerts).toEqual([]);
    const low = await optimize({
      action: 'monitor',
      thresholds: { process_rss_mb: 1, total_rss_mb: 2, ram_used_percent: 20 },
    });
    const kinds = low.alerts!.map((alert) => alert.kind);
    expect(kinds.filter((kind) => kind === 'process_rss')).toHaveLength(3); // supervisor, coder_1, hw_supervisor
    expect(kinds).toContain('total_rss');
    expect(low.alerts).toContainEqual(expect.objectContaining({ kind: 'ram', value: 25, threshold: 20 }));
  });

  it('monitor: Ollama unreachable is an alert, not a failure', async () => {
    await setup();
    const port = await closedPort();
    const result = await optimize({ action: 'monitor', ollama_host: `http://127.0.0.1:${port}` });
    expect(result.audit.ollama).toMatchObject({ reachable: false, models: [], idle: [] });
    expect(result.alerts).toEqual([expect.objectContaining({ kind: 'ollama_unreachable' })]);
  });

  it('no fleet running: notes instead of errors, and compact has no database to touch', async () => {
    home = createTempHome();
    const port = await closedPort();
    const { result } = await runSkill(
      memoryOptimizer,
      { action: 'compact', ollama_host: `http://127.0.0.1:${port}` },
      { home: home.home },
    );
    const outcome = result as MemoryOptimizerResult;
    expect(outcome.audit.processes).toEqual([]);
    expect(outcome.audit.notes).toEqual([
      'no readable run/supervisor.json: is the fleet running?',
      `no queue database at ${home.db}`,
    ]);
    expect(outcome.compact).toBeUndefined();
  });

  it.each([
    [{ action: 'defragment' }, /action/],
    [{ action: 'audit', force: true }, /force/],
    [{ action: 'monitor', thresholds: { wal_mb: -1 } }, /wal_mb/],
    [{ action: 'optimize', keep: ['x'.repeat(201)] }, /keep/],
    [{ ollama_host: 'not a url' }, /ollama_host/],
  ])('refuses a bad payload %j with an error naming the field', async (payload, field) => {
    home = createTempHome();
    await expect(runSkill(memoryOptimizer, payload as never, { home: home.home })).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
      message: expect.stringMatching(field),
    });
  });
});

describe('collectGarbage (the worker answer to { type: "gc" })', () => {
  it('runs the exposed collector once', () => {
    let calls = 0;
    const outcome = collectGarbage(() => {
      calls += 1;
    });
    expect(calls).toBe(1);
    expect(outcome.ran).toBe(true);
    expect(outcome.rssAfterMb).toBeGreaterThan(0);
  });

  it('does nothing without --expose-gc, and never throws', () => {
    expect(collectGarbage(undefined)).toMatchObject({ ran: false });
    expect(
      collectGarbage(() => {
        throw new Error('boom');
      }),
    ).toMatchObject({ ran: false });
  });
});
