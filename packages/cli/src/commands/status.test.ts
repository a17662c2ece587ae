import { readFileSync, writeFileSync } from 'node:fs';
import type { TempHome } from '@biged/core/test';
import { createQueue } from '@biged/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';
import type { StatusJson } from './status';

describe('biged status', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  it('prints agents and every task count with --json', async () => {
    const queue = createQueue({ file: home.db });
    queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 4242 });
    queue.enqueue({ skill: 'noop', payload: {} });
    queue.enqueue({ skill: 'noop', payload: {} });
    queue.close();

    const result = await runCli(['status', '--json', '--home', home.home]);
    expect(result.code).toBe(0);
    const status = result.json<StatusJson>();
    expect(status.agents).toEqual([
      expect.objectContaining({
        name: 'coder_1',
        role: 'coder',
        status: expect.any(String),
        last_heartbeat: expect.any(String),
        pid: 4242,
      }),
    ]);
    expect(status.tasks).toEqual({
      PENDING: 2,
      RUNNING: 0,
      DONE: 0,
      FAILED: 0,
      CANCELLED: 0,
      WAITING_HUMAN: 0,
      BLOCKED: 0,
      SKIPPED: 0,
    });
    expect(status.supervisor).toEqual({
      running: false,
      pid: null,
      started_at: null,
      ready: false,
      workers: [],
    });
    expect(status.home).toBe(home.home);
  });

  it('prints an aligned table for humans', async () => {
    const queue = createQueue({ file: home.db });
    queue.registerAgent({ name: 'researcher', role: 'researcher', pid: 1 });
    queue.close();
    const result = await runCli(['status', '--home', home.home]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('fleet  not running (start it with `biged up --detach`)');
    expect(result.stdout).toMatch(
      /AGENT {7}ROLE {8}STATUS +LAST HEARTBEAT +PID +TASK\nresearcher {2}researcher {2}\w+ +\ds ago +1 +-/,
    );
    expect(result.stdout).toMatch(
      /PENDING {2}RUNNING {2}DONE {2}FAILED {2}CANCELLED {2}WAITING_HUMAN {2}BLOCKED {2}SKIPPED\n0 +0 +0/,
    );
  });

  it('says so when no agents have registered', async () => {
    const result = await runCli(['status', '--home', home.home]);
    expect(result.stdout).toContain('no agents registered yet');
  });
});

describe('biged status on a damaged database', () => {
  it('reports QUEUE_DB_CORRUPT with a hint (exit 1), without touching the file', async () => {
    const home = await initHome();
    writeFileSync(home.db, 'this is not a sqlite database'.repeat(100));
    const result = await runCli(['status', '--home', home.home]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stderr).toMatch(/^try: /m);
    expect(readFileSync(home.db, 'utf8')).toBe('this is not a sqlite database'.repeat(100));
    home.cleanup();
  });
});
