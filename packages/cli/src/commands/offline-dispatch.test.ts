import { fileURLToPath } from 'node:url';
import type { TempHome } from '@biged/core/test';
import { createQueue } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';

// test_web_fetch (requiresNetwork: true) loads from this folder through [skills] dirs.
const fixtureSkills = fileURLToPath(new URL('../__fixtures__/skills', import.meta.url));

const commands = {
  dispatch: ['dispatch', 'test_web_fetch', '{"url": "https://example.com"}'],
  'task (JSON form)': ['task', '{"skill": "test_web_fetch", "url": "https://example.com"}'],
} as const;

const storedTasks = (home: TempHome) => {
  const queue = createQueue({ file: home.db });
  try {
    return queue.list();
  } finally {
    queue.close();
  }
};

describe('network skills in offline and air-gap mode', () => {
  let home: TempHome | undefined;
  afterEach(() => {
    home?.cleanup();
    home = undefined;
  });

  it.each([
    ['dispatch', 'offline', 'offline_mode'],
    ['dispatch', 'air-gap', 'air_gap_mode'],
    ['task (JSON form)', 'offline', 'offline_mode'],
    ['task (JSON form)', 'air-gap', 'air_gap_mode'],
  ] as const)('%s refuses a requiresNetwork skill in %s mode before anything is stored', async (command, mode, key) => {
    home = await initHome(`[fleet]\n${key} = true\n\n[skills]\ndirs = ["${fixtureSkills}"]\n`);
    const result = await runCli([...commands[command], '--home', home.home]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `error: skill "test_web_fetch" needs the network, which ${mode} mode disables`,
    );
    expect(result.stderr).toContain(`try: turn off ${key} in [fleet] of fleet.toml, or use a local skill`);
    expect(storedTasks(home)).toEqual([]);

    const json = await runCli([...commands[command], '--json', '--home', home.home]);
    expect(json.json<{ error: { code: string } }>().error.code).toBe('SKILL_NETWORK_DISABLED');
    expect(storedTasks(home)).toEqual([]);
  });

  it.each(
    Object.keys(commands) as Array<keyof typeof commands>,
  )('%s queues the same skill when the fleet is online, and local skills offline', async (command) => {
    home = await initHome(`[skills]\ndirs = ["${fixtureSkills}"]\n`);
    const online = await runCli([...commands[command], '--json', '--home', home.home]);
    expect(online.code).toBe(0);
    expect(storedTasks(home)).toMatchObject([
      { skill: 'test_web_fetch', payload: { url: 'https://example.com' } },
    ]);

    home.cleanup();
    home = await initHome(`[fleet]\noffline_mode = true\n\n[skills]\ndirs = ["${fixtureSkills}"]\n`);
    const local = await runCli(['dispatch', 'noop', '{}', '--home', home.home]);
    expect(local.code).toBe(0);
    expect(storedTasks(home)).toMatchObject([{ skill: 'noop' }]);
  });

  it('air-gap mode refuses a local skill off [fleet] air_gap_skills, and queues it once listed', async () => {
    const toml = (list: string) =>
      `[fleet]\nair_gap_mode = true\n${list}\n[skills]\ndirs = ["${fixtureSkills}"]\n`;
    home = await initHome(toml('air_gap_skills = ["noop"]'));
    const refused = await runCli(['dispatch', 'code_index', '{"path": "."}', '--json', '--home', home.home]);
    expect(refused.code).toBe(1);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('SKILL_NOT_ALLOWED_AIR_GAP');
    expect(storedTasks(home)).toEqual([]);
    const allowed = await runCli(['dispatch', 'noop', '{}', '--home', home.home]);
    expect(allowed.code).toBe(0);
    expect(storedTasks(home)).toMatchObject([{ skill: 'noop' }]);
  });
});
