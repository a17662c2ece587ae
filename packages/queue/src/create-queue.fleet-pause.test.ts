import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue';
import type { TaskQueue } from './task-queue';

const opened: TaskQueue[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const queue of opened.splice(0)) queue.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fleetFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'biged-pause-'));
  dirs.push(dir);
  return path.join(dir, 'fleet.db');
}

function open(file: string): TaskQueue {
  const queue = createQueue({ file });
  opened.push(queue);
  return queue;
}

describe('fleet-wide pause', () => {
  it('stops every claim on the database, from any connection, until cleared', () => {
    const file = fleetFile();
    const hostA = open(file);
    const hostB = open(file);
    hostA.submitMany([
      { skill: 'echo', payload: {} },
      { skill: 'echo', payload: {} },
    ]);
    expect(hostA.fleetPause()).toEqual({ paused: false, by: null, since: null });

    const paused = hostA.setFleetPaused(true, 'cli');
    expect(paused.paused).toBe(true);
    expect(paused.by).toBe('cli');
    expect(hostB.fleetPause().paused).toBe(true);
    expect(hostB.claimMany({ agent: 'coder_1' }, 5)).toEqual([]);
    expect(hostB.claim({ agent: 'coder_1' })).toBeUndefined();
    expect(hostB.settle({ agent: 'coder_1', claim: {}, limit: 5 }).next).toEqual([]);
    expect(hostA.counts().PENDING).toBe(2);

    // Setting it again keeps the first setter; clearing lets claims through again.
    expect(hostB.setFleetPaused(true, 'dashboard').by).toBe('cli');
    expect(hostB.setFleetPaused(false, 'dashboard')).toEqual({ paused: false, by: null, since: null });
    expect(hostA.claimMany({ agent: 'coder_1' }, 5)).toHaveLength(2);
  });

  it('refuses an empty or oversized setter name and changes nothing', () => {
    const queue = open(fleetFile());
    expect(() => queue.setFleetPaused(true, '')).toThrow(
      expect.objectContaining({ code: 'QUEUE_INVALID_ARGUMENT' }),
    );
    expect(() => queue.setFleetPaused(true, 'x'.repeat(201))).toThrow(
      expect.objectContaining({ code: 'QUEUE_INVALID_ARGUMENT' }),
    );
    expect(queue.fleetPause().paused).toBe(false);
  });
});
