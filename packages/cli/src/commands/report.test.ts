import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import type { TempHome } from '@biged/core/test';
import { afterEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';

// Real-looking, not real.
const ANTHROPIC_KEY = `sk-ant-api03-${'Qw3_rT5-yU7iO9pA1sD2'.repeat(4)}fGhJkLzXcVbNm01AA`;
const GITHUB_TOKEN = 'ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5';

const homes: TempHome[] = [];
afterEach(() => {
  for (const home of homes.splice(0)) home.cleanup();
});

describe('biged report', () => {
  it('writes a sanitized report to reports/debug/ without keys, tokens or the home directory', async () => {
    const user = homedir();
    const home = await initHome(
      `[models]\nvision_model = "${ANTHROPIC_KEY}"\n[skills]\ndirs = ["${user}/my-skills"]\n`,
    );
    homes.push(home);
    mkdirSync(home.logs, { recursive: true });
    writeFileSync(
      path.join(home.logs, 'coder_1.log'),
      `{"msg":"push","url":"https://${GITHUB_TOKEN}@github.com/x/y","cwd":"/home/carol/work"}\n`,
    );
    const result = await runCli([
      'report',
      '--json',
      '--error',
      `Error: 401 with key ${ANTHROPIC_KEY} reading ${user}/.biged/fleet.toml`,
      '--steps',
      'biged up',
      `export GITHUB_TOKEN=${GITHUB_TOKEN}`,
      '--home',
      home.home,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const { file } = result.json<{ file: string }>();
    expect(path.dirname(file)).toBe(home.debugReports);
    expect(path.basename(file)).toMatch(/^report_\d{8}_\d{6}_\d{3}\.json$/);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('sk-ant-');
    expect(text).not.toContain(GITHUB_TOKEN);
    expect(text).not.toContain('/home/carol');
    if (user.length > 1) expect(text).not.toContain(`${user}/`);
    const report = JSON.parse(text);
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining([
        'platform',
        'hardware',
        'fleet_state',
        'error',
        'logs',
        'config_snapshot',
        'reproduction_steps',
      ]),
    );
    expect(report.reproduction_steps).toEqual(['biged up', 'export GITHUB_TOKEN=[REDACTED:github_token]']);
    expect(report.error).toContain('[REDACTED:anthropic_api_key]');
    expect(report.logs['coder_1.log'][0]).toContain('"cwd":"~/work"');
    expect(report.config_snapshot.skills.dirs).toEqual(['~/my-skills']);
    expect(report.component).toBe('cli');
  });

  it('prints the path, and makes a report without --error or --steps', async () => {
    const home = await initHome();
    homes.push(home);
    const result = await runCli(['report', '--home', home.home]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^debug report written to .*report_\d{8}_\d{6}_\d{3}\.json\n/);
    const [name] = readdirSync(home.debugReports);
    const report = JSON.parse(readFileSync(path.join(home.debugReports, name as string), 'utf8'));
    expect(report.error).toBeNull();
    expect(report.reproduction_steps).toEqual([]);
    expect(report.fleet_state.tasks.PENDING).toBe(0);
  });

  it('refuses an oversized --error (exit 1) and writes nothing', async () => {
    const home = await initHome();
    homes.push(home);
    const result = await runCli(['report', '--error', 'x'.repeat(64 * 1024 + 1), '--home', home.home]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--error is 65537 characters');
    expect(() => readdirSync(home.debugReports)).toThrow();
  });

  it('needs an existing home', async () => {
    const result = await runCli(['report', '--home', '/nonexistent/biged-home']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no fleet home');
  });
});
