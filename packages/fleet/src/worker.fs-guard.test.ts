import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createSilentLogger, fleetPaths, parseFleetConfig } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { createAuditTrail, createQueue, type TaskQueue } from '@biged/queue';
import { createSkillRegistry, defineSkill, z } from '@biged/skill-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor, waitForStatus } from './test-helpers';
import { runWorker, type WorkerHandle } from './worker';
import { createWorkerFsGuard } from './worker-fs-guard';

let home: TempHome | undefined;
let outside: string | undefined;
let queue: TaskQueue | undefined;
let worker: WorkerHandle | undefined;
afterEach(async () => {
  await worker?.stop(100);
  queue?.close();
  home?.cleanup();
  if (outside) rmSync(outside, { recursive: true, force: true });
  worker = undefined;
  outside = undefined;
});

/** Reads payload.read through ctx.fs, then writes a note under the fleet home's knowledge folder. */
const copier = defineSkill({
  name: 'copier',
  description: 'Reads a file and writes it under the home.',
  payload: z.object({ read: z.string() }),
  run: async ({ read }, ctx) => {
    const text = await ctx.fs.readFile(read, 'utf8');
    const target = path.join(ctx.paths.knowledge, 'copies', 'copy.txt');
    await ctx.fs.writeFile(target, text);
    return { chars: text.length, target };
  },
});

function start(filesystem: (outside: string) => Record<string, unknown> = () => ({})) {
  home = createTempHome();
  outside = mkdtempSync(path.join(tmpdir(), 'biged-outside-'));
  writeFileSync(path.join(outside, 'secret.txt'), 'outside the zones');
  queue = createQueue({ file: home.db });
  queue.registerAgent({ name: 'w', role: 'coder', pid: process.pid, status: 'IDLE' });
  worker = runWorker({
    agent: { name: 'w', role: 'coder' },
    config: parseFleetConfig({
      fleet: { heartbeat_interval_secs: 0.05, hw_monitor: false },
      filesystem: filesystem(outside),
    }).config,
    paths: fleetPaths(home.home),
    queue,
    skills: createSkillRegistry([copier]),
    log: createSilentLogger(),
    idlePollMs: { min: 1, max: 10 },
  });
  return { queue, home, outside };
}

describe('runWorker: filesystem zones and the audit trail', () => {
  it('default config: the fleet home is writable, a path outside every zone is let through and audited as log', async () => {
    const { queue, outside } = start();
    const source = path.join(outside, 'secret.txt');
    const task = queue.enqueue({ skill: 'copier', payload: { read: source } });
    await waitForStatus(queue, task.id, 'DONE');
    // The allowed write is batched (written within 250 ms); the violation was written at once.
    const rows = await waitFor(() => {
      const found = createAuditTrail(queue).list({ action: 'file_access' }).reverse();
      return found.length >= 2 ? found : undefined;
    }, 5_000);
    expect(rows.map((row) => [row.actor, row.decision, row.detail?.access])).toEqual([
      ['w', 'log', 'read'],
      ['w', 'allow', 'write'],
    ]);
    expect(rows[0]).toMatchObject({
      resource: source,
      reason: expect.stringContaining('outside every zone'),
    });
    expect(rows[1]?.resource).toContain(path.join('copies', 'copy.txt'));
    expect(rows[1]?.detail).toMatchObject({ skill: 'copier', zone: 'fleet_home' });
    expect(createAuditTrail(queue).verify()).toMatchObject({ ok: true, rows: 2 });
  });

  it('enforce = true: a read outside the zones fails the task for good with FS_ZONE_DENIED and a deny row', async () => {
    const { queue, outside } = start(() => ({ enterprise: { enforce: true } }));
    const source = path.join(outside, 'secret.txt');
    const task = queue.enqueue({ skill: 'copier', payload: { read: source }, maxAttempts: 3 });
    await waitForStatus(queue, task.id, 'FAILED');
    const failed = queue.get(task.id)!;
    expect(failed.attempts).toBe(1);
    expect(failed.error).toContain('FS_ZONE_DENIED');
    expect(failed.error).toContain(source);
    const rows = createAuditTrail(queue).list({ action: 'file_access' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: 'w', decision: 'deny', resource: source });
  });

  it('enforce = true with a read zone: the payload path inside the zone is read, nothing is denied', async () => {
    const { queue, outside } = start((dir) => ({
      zones: { inbox: { path: dir, access: 'read' } },
      enterprise: { enforce: true },
    }));
    const task = queue.enqueue({ skill: 'copier', payload: { read: path.join(outside, 'secret.txt') } });
    await waitForStatus(queue, task.id, 'DONE');
    // Allowed accesses are written in batches, within flushMs (250 ms) of the access.
    const rows = await waitFor(() => {
      const found = createAuditTrail(queue).list({ action: 'file_access' }).reverse();
      return found.length >= 2 ? found : undefined;
    }, 5_000);
    expect(rows.map((row) => [row.decision, row.detail?.zone])).toEqual([
      ['allow', 'inbox'],
      ['allow', 'fleet_home'],
    ]);
  });
});

describe('createWorkerFsGuard: batched allowed-access rows', () => {
  it('holds allowed rows for one transaction, writes a denial at once after them, and flushes on close', async () => {
    home = createTempHome();
    queue = createQueue({ file: home.db });
    const audit = createAuditTrail(queue);
    const guard = createWorkerFsGuard({
      config: parseFleetConfig({ filesystem: { enterprise: { enforce: true } } }).config,
      home: home.home,
      queue,
      agent: 'w',
      log: createSilentLogger(),
      flushMs: 60_000,
    });
    for (const name of ['a.txt', 'b.txt', 'c.txt']) {
      await guard.check(path.join(home.home, name), 'read');
    }
    expect(audit.list({ action: 'file_access' })).toEqual([]);
    await guard.check('/etc/hostname', 'read');
    const rows = audit.list({ action: 'file_access' }).reverse();
    expect(rows.map((row) => [row.decision, path.basename(row.resource ?? '')])).toEqual([
      ['allow', 'a.txt'],
      ['allow', 'b.txt'],
      ['allow', 'c.txt'],
      ['deny', 'hostname'],
    ]);
    await guard.check(path.join(home.home, 'd.txt'), 'read');
    guard.close();
    expect(audit.list({ action: 'file_access' })).toHaveLength(5);
    expect(audit.verify().ok).toBe(true);
  });
});
