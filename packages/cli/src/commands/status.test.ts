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
  it('groups agents by host when several hosts share the queue, with a HOST column', async () => {
    const queue = createQueue({ file: home.db });
    queue.registerAgent({ name: 'coder_1@alpha', role: 'coder', pid: 11, host: 'alpha', status: 'IDLE' });
    queue.registerAgent({ name: 'coder_1@beta', role: 'coder', pid: 12, host: 'beta', status: 'IDLE' });
    queue.registerAgent({ name: 'planner@beta', role: 'planner', pid: 13, host: 'beta', status: 'OFFLINE' });
    queue.close();
    const json = (await runCli(['status', '--json', '--home', home.home])).json<StatusJson>();
    expect(json.queue).toEqual({ dialect: 'sqlite', location: home.db });
    expect(json.hosts).toEqual([
      expect.objectContaining({ host: 'alpha', agents: 1, idle: 1, offline: 0 }),
      expect.objectContaining({ host: 'beta', agents: 2, idle: 1, offline: 1 }),
    ]);
    const text = (await runCli(['status', '--home', home.home])).stdout;
    expect(text).toMatch(/HOST\s+AGENTS\s+BUSY\s+IDLE\s+OFFLINE/);
    expect(text).toMatch(/beta\s+coder_1@beta\s+coder/);
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
