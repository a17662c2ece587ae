import type { TempHome } from '@biged/core/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';

describe('biged schedule', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
  });
  afterEach(() => home.cleanup());

  it('adds, lists and removes a schedule', async () => {
    const added = await runCli([
      'schedule',
      'add',
      'nightly',
      '--cron',
      '0 3 * * *',
      '--skill',
      'summarize',
      '--payload',
      '{"path":"notes.md"}',
      '--catch-up',
      'once',
      '--priority',
      '2',
      '--json',
      '--home',
      home.home,
    ]);
    expect(added.code).toBe(0);
    expect(added.json()).toMatchObject({
      name: 'nightly',
      cron: '0 3 * * *',
      skill: 'summarize',
      payload: { path: 'notes.md' },
      priority: 2,
      catch_up: 'once',
      source: 'cli',
      enabled: true,
      last_due_at: null,
    });
    const listed = await runCli(['schedule', 'list', '--json', '--home', home.home]);
    expect(listed.json<{ name: string }[]>().map((item) => item.name)).toEqual(['nightly']);
    const text = await runCli(['schedule', 'list', '--home', home.home]);
    expect(text.stdout).toMatch(
      /^NAME\s+CRON\s+SKILL\s+CATCH-UP\s+SOURCE\s+NEXT\nnightly\s+0 3 \* \* \*\s+summarize\s+once\s+cli\s+\d{4}-/,
    );
    const removed = await runCli(['schedule', 'remove', 'nightly', '--home', home.home]);
    expect(removed.stdout).toBe('removed schedule nightly\n');
    expect((await runCli(['schedule', 'list', '--home', home.home])).stdout).toBe('no schedules\n');
  });

  it.each([
    [['--cron', '61 * * * *', '--skill', 'noop'], 1, 'is not valid'],
    [['--cron', '* * *', '--skill', 'noop'], 1, 'has 3 fields'],
    [['--cron', '* * * * *', '--skill', 'noop', '--payload', '[1]'], 1, 'payload'],
    [['--cron', '* * * * *', '--skill', 'noop', '--catch-up', 'all'], 1, '--catch-up must be'],
    [['--cron', '* * * * *', '--skill', 'noop', '--timezone', 'Mars/Base'], 1, 'time zone'],
    [['--cron', '* * * * *', '--skill', 'noop', '--priority', '11'], 1, '--priority'],
    [['--skill', 'noop'], 2, '--cron'],
  ])('refuses %j', async (options, code, message) => {
    const result = await runCli(['schedule', 'add', 'x', ...options, '--home', home.home]);
    expect(result.code).toBe(code);
    expect(result.stderr).toContain(message);
  });

  it('refuses a duplicate name and removing an unknown one (exit 3)', async () => {
    await runCli(['schedule', 'add', 'a', '--cron', '* * * * *', '--skill', 'noop', '--home', home.home]);
    const again = await runCli([
      'schedule',
      'add',
      'a',
      '--cron',
      '* * * * *',
      '--skill',
      'noop',
      '--home',
      home.home,
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    const missing = await runCli(['schedule', 'remove', 'zz', '--home', home.home]);
    expect(missing.code).toBe(3);
  });
});
