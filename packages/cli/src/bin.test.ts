import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { fleetPaths } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './test-utils';

const exec = promisify(execFile);
const bin = new URL('../dist/bin.cjs', import.meta.url).pathname;

/** Runs the built binary; resolves with its exit code and output whatever the code. */
const biged = async (args: string[]) => {
  try {
    const { stdout, stderr } = await exec(process.execPath, [bin, ...args], {
      env: { ...process.env, BIGED_HOME: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
};

/** Polls `check` every 100 ms until it holds or `timeoutMs` passed; returns whether it held. */
const eventually = async (check: () => boolean, timeoutMs = 15_000) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(100);
  }
  return check();
};

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

// The published binary, as a user runs it. `turbo test` builds first; alone, run `npx tsup` before.
describe('the built biged binary', () => {
  it('exists, is executable and starts with a shebang', () => {
    expect(existsSync(bin), `${bin} is missing: build with \`npx tsup\` in packages/cli`).toBe(true);
    expect(statSync(bin).mode & 0o111).not.toBe(0);
  });

  it('prints help and initialises a home when run directly', async () => {
    const help = await biged(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: biged');
    const home = createTempHome();
    try {
      // Run through the shebang, as a shell would.
      const { stdout } = await exec(bin, ['init', '--home', home.home], {
        env: { ...process.env, BIGED_HOME: '' },
      });
      expect(stdout).toContain(`fleet home ready at ${home.home}`);
      expect(existsSync(home.db)).toBe(true);
    } finally {
      home.cleanup();
    }
  });

  it('exits with the documented codes', async () => {
    const sentence = await biged(['task', 'index everything', '--home', '/nonexistent']);
    expect(sentence.code).toBe(1);
    expect(sentence.stderr).toContain('no fleet home at /nonexistent');
    const usage = await biged(['nope']);
    expect(usage.code).toBe(2);
  });
});

/** Runs `argv` in this process through the full program (source): what it printed and returned. */
const inProcess = async (argv: string[]) => {
  const { code, stdout, stderr } = await runCli(argv, { cwd: '/', prompt: false });
  return { code, stdout, stderr };
};

// `biged status` runs from its start-up bundle (dist/fast/status.cjs, CommonJS): it must answer exactly as
// the program does, on its fast path (a current queue file, a cached config) and on every lazy one.
describe('biged status from its start-up bundle', () => {
  it('prints what the program prints: warm, with a changed fleet.toml, without a queue file, and on errors', async () => {
    const home = createTempHome();
    try {
      expect((await biged(['init', '--home', home.home])).code).toBe(0);
      const same = async (argv: string[]) => {
        const built = await biged(argv);
        expect(built, argv.join(' ')).toEqual(await inProcess(argv));
        return built;
      };
      const json = ['status', '--json', '--home', home.home];
      // Twice: the first fills the config cache, the second reads it.
      await same(json);
      expect(JSON.parse((await same(json)).stdout).queue.dialect).toBe('sqlite');
      await same(['status', '--home', home.home]);
      // A changed fleet.toml is validated through the installed @biged/core (not part of the bundle).
      writeFileSync(home.config, `${readFileSync(home.config, 'utf8')}\n[naming]\ndevice_name = "alpha"\n`);
      await same(json);
      writeFileSync(home.config, '[fleet\n');
      expect((await same(json)).code).toBe(1);
      rmSync(home.config);
      // No queue file: the installed @biged/queue creates it (the bundle only reads current files).
      rmSync(home.db);
      const created = await biged(json);
      expect(created.code).toBe(0);
      expect(existsSync(home.db)).toBe(true);
      expect(created).toEqual(await inProcess(json));
      // Usage errors and a missing home, as the program reports them.
      await same(['status', '--bogus']);
      expect((await same(['status', '--home', path.join(home.home, 'missing')])).code).toBe(1);
    } finally {
      home.cleanup();
    }
  }, 60_000);
});

describe('the fleet lifecycle through the built binary', () => {
  let home: TempHome | undefined;
  afterAll(async () => {
    if (!home) return;
    await biged(['down', '--home', home.home]);
    home.cleanup();
  });

  it('up --detach returns once ready, dispatch --wait runs a task, down returns once all exited', async () => {
    home = createTempHome({ fleetToml: '[workers]\nroles = ["researcher"]\n' });
    const at = ['--home', home.home];
    expect((await biged(['init', ...at])).code).toBe(0);

    const up = await biged(['up', '--detach', '--json', ...at]);
    expect(up.code, up.stderr).toBe(0);
    const { pid, already_running } = JSON.parse(up.stdout) as { pid: number; already_running: boolean };
    expect(already_running).toBe(false);

    // Ready means ready: status right after `up --detach` shows the running supervisor and its agent.
    const status = JSON.parse((await biged(['status', '--json', ...at])).stdout) as {
      supervisor: { running: boolean; ready: boolean; pid: number; workers: { name: string; pid: number }[] };
      agents: { name: string; status: string }[];
    };
    expect(status.supervisor).toMatchObject({ running: true, ready: true, pid });
    expect(status.agents.map((agent) => agent.name)).toEqual(['researcher']);
    // The hardware monitor runs by default ([fleet] hw_monitor = true): its state file appears.
    const hwState = fleetPaths(home.home).hwState;
    expect(await eventually(() => existsSync(hwState)), `${hwState} never appeared`).toBe(true);

    const again = await biged(['up', '--detach', '--json', ...at]);
    expect(JSON.parse(again.stdout)).toEqual({ pid, already_running: true });

    const done = await biged([
      'dispatch',
      'noop',
      '{"echo": "hi"}',
      '--wait',
      '--timeout',
      '30',
      '--json',
      ...at,
    ]);
    expect(done.code, done.stderr).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ status: 'DONE', result: { ok: true, echo: 'hi' } });

    const down = await biged(['down', '--json', ...at]);
    expect(JSON.parse(down.stdout)).toEqual({ stopped: true, pid });
    for (const fleetPid of [pid, ...status.supervisor.workers.map((worker) => worker.pid)]) {
      expect(isAlive(fleetPid), `pid ${fleetPid} still alive after down`).toBe(false);
    }
    const notRunning = await biged(['down', ...at]);
    expect(notRunning).toMatchObject({ code: 0, stdout: 'fleet is not running\n' });
  }, 90_000);

  it('up --detach --no-hw runs the fleet without the hardware monitor', async () => {
    const noHw = createTempHome({ fleetToml: '[workers]\nroles = ["researcher"]\n' });
    const at = ['--home', noHw.home];
    const paths = fleetPaths(noHw.home);
    try {
      expect((await biged(['init', ...at])).code).toBe(0);
      const up = await biged(['up', '--detach', '--no-hw', '--json', ...at]);
      expect(up.code, up.stderr).toBe(0);
      // The fleet works: a task runs.
      const done = await biged(['dispatch', 'noop', '{}', '--wait', '--timeout', '30', '--json', ...at]);
      expect(JSON.parse(done.stdout)).toMatchObject({ status: 'DONE' });
      // The detached supervisor got --no-hw: STATUS.md says the monitor is off on purpose...
      const statusSaysOff = () =>
        existsSync(paths.status) && readFileSync(paths.status, 'utf8').includes('monitor off');
      expect(await eventually(statusSaysOff), 'STATUS.md never said "monitor off"').toBe(true);
      // ...and no monitor ever wrote its state (it polls at once on start, so it would be there by now).
      expect(existsSync(paths.hwState)).toBe(false);
      const log = readFileSync(path.join(paths.logs, 'supervisor.log'), 'utf8');
      expect(log).not.toContain('hardware monitor ready');
    } finally {
      await biged(['down', ...at]);
      noHw.cleanup();
    }
  }, 90_000);
});
