import type { TempHome } from '@biged/core/test';
import { createAuditTrail, createQueue } from '@biged/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';
import type { StatusJson } from './status';

describe('biged pause / resume (fleet-wide)', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  it('stops every claim until resume, shows in status, and leaves audit rows', async () => {
    const queue = createQueue({ file: home.db });
    queue.enqueue({ skill: 'noop', payload: {} });
    try {
      const paused = await runCli(['pause', '--json', '--by', 'ops', '--home', home.home]);
      expect(paused.code).toBe(0);
      expect(paused.json<{ paused: boolean; by: string }>()).toMatchObject({ paused: true, by: 'ops' });
      // A worker on any connection to this queue claims nothing now.
      expect(queue.claimMany({ agent: 'coder_1' }, 5)).toEqual([]);

      const status = await runCli(['status', '--json', '--home', home.home]);
      expect(status.json<StatusJson>().paused).toMatchObject({ paused: true, by: 'ops' });
      const human = await runCli(['status', '--home', home.home]);
      expect(human.stdout).toContain('PAUSED fleet-wide by ops');

      const resumed = await runCli(['resume', '--home', home.home]);
      expect(resumed.code).toBe(0);
      expect(resumed.stdout).toContain('fleet resumed');
      expect(queue.claimMany({ agent: 'coder_1' }, 5)).toHaveLength(1);
      const actions = createAuditTrail(queue)
        .list({ limit: 10 })
        .map((entry) => entry.action);
      expect(actions).toEqual(expect.arrayContaining(['fleet_pause', 'fleet_resume']));
    } finally {
      queue.close();
    }
  });

  it('refuses an empty --by with a clear error and pauses nothing', async () => {
    const result = await runCli(['pause', '--by', '', '--home', home.home]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/by must be a non-empty string/);
    const queue = createQueue({ file: home.db });
    try {
      expect(queue.fleetPause().paused).toBe(false);
    } finally {
      queue.close();
    }
  });
});
