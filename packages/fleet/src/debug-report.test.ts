import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTempHome, type TempHome } from '@biged/core/test';
import { createQueue } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import {
  buildDebugReport,
  createHomePathAnonymizer,
  dropSecretKeys,
  sanitizeReport,
  tailLines,
  writeDebugReport,
} from './debug-report';

const run = promisify(execFile);

// Real-looking, not real: the formats the DLP scanner knows (an Anthropic key is sk-ant-api03-<93>AA).
const ANTHROPIC_KEY = `sk-ant-api03-${'Xy7_kP2-qR9vL4mN8tW1'.repeat(4)}abcdEfGhIjKlMn0AA`;
const GITHUB_TOKEN = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
const USER_HOME = '/home/alice';

const homes: TempHome[] = [];
const tempHome = (fleetToml?: string) => {
  const home = createTempHome(fleetToml === undefined ? {} : { fleetToml });
  homes.push(home);
  return home;
};
afterEach(() => {
  for (const home of homes.splice(0)) home.cleanup();
});

describe('buildDebugReport', () => {
  it('contains no API key, token or home path from the config, the logs, the error or the steps', () => {
    const home = tempHome(
      [
        '[models]',
        `vision_model = "${ANTHROPIC_KEY}"`,
        '[modules]',
        `enterprise_hub_url = "https://hub.example/?token=${GITHUB_TOKEN}"`,
        '[skills]',
        `dirs = ["${USER_HOME}/skills"]`,
      ].join('\n'),
    );
    mkdirSync(home.logs, { recursive: true });
    writeFileSync(
      path.join(home.logs, 'supervisor.log'),
      [
        '{"msg":"fleet started"}',
        `{"msg":"calling claude","key":"${ANTHROPIC_KEY}","cwd":"${USER_HOME}/projects/x"}`,
        `git push https://${GITHUB_TOKEN}@github.com/alice/repo.git`,
        `read C:\\Users\\alice\\notes.txt and /Users/bob/x`,
      ].join('\n'),
    );
    const report = buildDebugReport({
      home: home.home,
      homeDir: USER_HOME,
      error: new Error(`boom in ${USER_HOME}/.biged with ${ANTHROPIC_KEY}`),
      steps: [`export GITHUB_TOKEN=${GITHUB_TOKEN}`, `cd ${USER_HOME}`],
    });
    const text = JSON.stringify(report);
    expect(text).not.toContain('sk-ant-');
    expect(text).not.toContain('ghp_');
    expect(text).not.toContain(GITHUB_TOKEN.slice(4));
    expect(text).not.toContain('/home/alice');
    expect(text).not.toContain('\\\\Users\\\\alice');
    expect(text).not.toContain('/Users/bob');
    // The rest is still there, so the report stays useful.
    expect(report.logs['supervisor.log']).toHaveLength(4);
    expect(report.logs['supervisor.log']?.[0]).toBe('{"msg":"fleet started"}');
    expect(report.logs['supervisor.log']?.[1]).toContain('"cwd":"~/projects/x"');
    expect(text).toContain('[REDACTED:anthropic_api_key]');
    expect(text).toContain('[REDACTED:github_token]');
    expect(report.reproduction_steps[1]).toBe('cd ~');
    expect(report.error).toMatch(/^Error: boom in ~\/\.biged with \[REDACTED:/);
    expect((report.config_snapshot as { skills: { dirs: string[] } }).skills.dirs).toEqual(['~/skills']);
  });

  it('reports platform, hardware, hw_state.json, task counts, agents and the supervisor state', () => {
    const home = tempHome('');
    writeFileSync(home.hwState, JSON.stringify({ thermal: { gpu_temp_c: 61 } }));
    const queue = createQueue({ file: home.db });
    queue.enqueue({ skill: 'echo', payload: {} });
    queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 1, host: 'h', status: 'IDLE' });
    queue.close();
    const report = buildDebugReport({ home: home.home, now: () => Date.UTC(2026, 0, 2) });
    expect(report.created_at).toBe('2026-01-02T00:00:00.000Z');
    expect(report.platform.node).toBe(process.version);
    expect(report.hardware.cpu_count).toBeGreaterThan(0);
    expect(report.hardware.ram_total_bytes).toBeGreaterThan(0);
    expect(report.hardware.hw_state).toEqual({ thermal: { gpu_temp_c: 61 } });
    expect(report.fleet_state.tasks?.PENDING).toBe(1);
    expect(report.fleet_state.agents.map((agent) => agent.name)).toEqual(['coder_1']);
    expect(report.fleet_state.supervisor.running).toBe(false);
    expect(report.error).toBeNull();
    expect(report.reproduction_steps).toEqual([]);
  });

  it('never creates fleet.db, and says why a part is missing', () => {
    const home = tempHome();
    const report = buildDebugReport({ home: home.home });
    expect(report.fleet_state.tasks).toBeNull();
    expect(report.fleet_state.error).toBe('no fleet.db yet');
    expect(report.logs).toEqual({});
    expect(report.hardware.hw_state).toBeNull();
    expect(readdirSync(home.home)).toEqual([]);
  });

  it('puts an invalid fleet.toml in the snapshot as its error, not as a crash', () => {
    const home = tempHome('[workers]\ncoder_count = "many"\n');
    const report = buildDebugReport({ home: home.home });
    expect(report.config_snapshot).toEqual({ error: expect.stringContaining('workers.coder_count') });
  });
});

describe('sanitizing helpers', () => {
  it('drops secret-named config keys, keeping numbers and booleans', () => {
    expect(
      dropSecretKeys({
        api_key: 'x',
        models: { max_tokens: 4096, auth_required: true, github_token: 'y', names: ['a'] },
        list: [{ password: 'p', ok: 1 }],
      }),
    ).toEqual({ models: { max_tokens: 4096, auth_required: true, names: ['a'] }, list: [{ ok: 1 }] });
  });

  it('anonymizes the home directory only as a whole path segment', () => {
    const anonymize = createHomePathAnonymizer('/root');
    expect(anonymize('/root/.biged/fleet.db')).toBe('~/.biged/fleet.db');
    expect(anonymize('at /root')).toBe('at ~');
    expect(anonymize('/var/root/x and /rooted')).toBe('/var/root/x and /rooted');
    expect(createHomePathAnonymizer('C:\\Users\\max')('C:\\Users\\max\\fleet')).toBe('~\\fleet');
  });

  it('anonymizes object keys too (log file names)', () => {
    expect(sanitizeReport({ '/home/alice/a.log': ['x'] }, { homeDir: '/home/alice' })).toEqual({
      '~/a.log': ['x'],
    });
  });

  it('tails only the last lines of a long log', () => {
    const home = tempHome();
    mkdirSync(home.logs);
    const file = path.join(home.logs, 'big.log');
    writeFileSync(file, Array.from({ length: 50_000 }, (_, index) => `line ${index}`).join('\n'));
    const lines = tailLines(file, 100);
    expect(lines).toHaveLength(100);
    expect(lines[0]).toBe('line 49900');
    expect(lines.at(-1)).toBe('line 49999');
  });
});

describe('writeDebugReport', () => {
  it('writes reports/debug/report_<timestamp>.json and never overwrites one', () => {
    const home = tempHome();
    const now = () => Date.UTC(2026, 11, 1, 1, 42, 3, 45);
    const first = writeDebugReport({ home: home.home, error: 'x', now });
    const second = writeDebugReport({ home: home.home, error: 'y', now });
    expect(path.basename(first.file)).toBe('report_20261201_014203_045.json');
    expect(path.basename(second.file)).toBe('report_20261201_014203_045_2.json');
    expect(JSON.parse(readFileSync(first.file, 'utf8')).error).toBe('x');
    expect(JSON.parse(readFileSync(second.file, 'utf8')).error).toBe('y');
  });
});

describe('installCrashReporter', () => {
  const distIndex = fileURLToPath(new URL('../dist/index.js', import.meta.url));

  it.each([
    ['an uncaught exception', "setTimeout(() => { throw new Error('worker exploded'); }, 1);"],
    ['an unhandled rejection', "Promise.reject(new Error('worker exploded'));"],
  ])('writes a report with the stack on %s and exits 1', async (_name, crash) => {
    const home = tempHome();
    const script = [
      `import { installCrashReporter } from ${JSON.stringify(distIndex)};`,
      `installCrashReporter({ home: ${JSON.stringify(home.home)}, component: 'worker:coder_1' });`,
      crash,
    ].join('\n');
    const outcome = await run(process.execPath, ['--input-type=module', '-e', script]).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toContain('debug report written to');
    const files = readdirSync(home.debugReports);
    expect(files).toHaveLength(1);
    const report = JSON.parse(readFileSync(path.join(home.debugReports, files[0] as string), 'utf8'));
    expect(report.component).toBe('worker:coder_1');
    expect(report.error).toMatch(/^Error: worker exploded\n\s+at /);
  });
});
