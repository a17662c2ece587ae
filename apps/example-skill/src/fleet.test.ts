import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { runSupervisor, type Supervisor } from '@biged/fleet';
import { createQueue, type TaskQueue } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';

// The built package, as a fleet loads it: fleet.toml's `[skills] dirs` names this folder.
const distDir = fileURLToPath(new URL('../dist', import.meta.url));

let home: string | undefined;
let stopFleet: (() => Promise<void>) | undefined;
let queue: TaskQueue | undefined;

afterEach(async () => {
  queue?.close();
  await stopFleet?.();
  if (home) rmSync(home, { recursive: true, force: true });
  home = undefined;
  stopFleet = undefined;
  queue = undefined;
});

async function waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

describe('example skill in a running fleet', () => {
  it('loads from the built package through [skills] dirs and runs a task in a worker process', async () => {
    expect(existsSync(path.join(distDir, 'index.js')), 'build the package first (tsup)').toBe(true);
    home = mkdtempSync(path.join(tmpdir(), 'example-skill-fleet-'));
    writeFileSync(
      path.join(home, 'fleet.toml'),
      [
        '[fleet]',
        'hw_monitor = false',
        'heartbeat_interval_secs = 0.2',
        'status_interval_secs = 0.5',
        '[workers]',
        'roles = ["archivist"]',
        'shutdown_grace_secs = 2',
        '[skills]',
        `dirs = [${JSON.stringify(distDir)}]`,
        '',
      ].join('\n'),
    );
    const controller = new AbortController();
    let supervisor: Supervisor | undefined;
    const running = runSupervisor({
      home,
      signal: controller.signal,
      hwMonitor: false,
      onReady: (ready) => {
        supervisor = ready;
      },
    });
    running.catch(() => {});
    stopFleet = async () => {
      controller.abort();
      await running.catch(() => {});
    };
    await Promise.race([waitFor(() => supervisor, 30_000, 'the fleet to start'), running]);

    queue = createQueue({ file: path.join(home, 'fleet.db') });
    const task = queue.enqueue({
      skill: 'word_stats',
      payload: { text: 'one two two three three three', top: 2 },
    });
    const done = await waitFor(
      () => {
        const current = queue!.get(task.id);
        return current && ['DONE', 'FAILED'].includes(current.status) ? current : undefined;
      },
      45_000,
      `task ${task.id} to finish`,
    );
    expect(done.error ?? null).toBeNull();
    expect(done.status).toBe('DONE');
    expect(done.claimedBy).toBe('archivist');
    expect(done.result).toMatchObject({
      words: 6,
      top: [
        { word: 'three', count: 3 },
        { word: 'two', count: 2 },
      ],
    });
    const record = path.join(home, 'knowledge', 'word_stats', `task_${task.id}.json`);
    expect(JSON.parse(readFileSync(record, 'utf8'))).toMatchObject({ words: 6, agent: 'archivist' });
  }, 90_000);
});
