import { afterEach, describe, expect, it } from 'vitest';
import { COMMAND_LOADERS, commandNameOf, runFast } from './fast-dispatch';
import type { CliIO } from './io';
import { createProgram, run } from './program';
import { createProgramShell } from './program-shell';
import { initHome } from './test-utils';

const homes: Array<{ cleanup(): void }> = [];
afterEach(() => {
  for (const home of homes.splice(0)) home.cleanup();
});

/** Runs `argv` through `runner` with captured output. */
async function capture(runner: typeof run, argv: string[]) {
  let stdout = '';
  let stderr = '';
  const io: Omit<CliIO, 'prompt'> = {
    stdout: {
      write: (text: string) => {
        stdout += text;
      },
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
      },
    },
    env: {},
    cwd: '/',
  };
  const code = await runner(argv, io);
  return { code, stdout, stderr };
}

describe('commandNameOf', () => {
  it('finds the command after the global options', () => {
    expect(commandNameOf(['status'])).toBe('status');
    expect(commandNameOf(['status', '--json'])).toBe('status');
    expect(commandNameOf(['--json', 'status'])).toBe('status');
    expect(commandNameOf(['--home', '/tmp/x', 'status'])).toBe('status');
    expect(commandNameOf(['--home=/tmp/x', '--json', 'usage-delta', 'a'])).toBe('usage-delta');
    expect(commandNameOf(['secret', 'set', 'A', 'b'])).toBe('secret');
  });

  it('leaves help, the version, other options, unknown and missing commands to the full program', () => {
    expect(commandNameOf([])).toBeUndefined();
    expect(commandNameOf(['--help'])).toBeUndefined();
    expect(commandNameOf(['-h', 'status'])).toBeUndefined();
    expect(commandNameOf(['-V'])).toBeUndefined();
    expect(commandNameOf(['help', 'status'])).toBeUndefined();
    expect(commandNameOf(['stauts'])).toBeUndefined();
    expect(commandNameOf(['--home'])).toBeUndefined();
    expect(commandNameOf(['--unknown', 'status'])).toBeUndefined();
    expect(commandNameOf(['constructor'])).toBeUndefined();
    expect(commandNameOf(['__proto__'])).toBeUndefined();
  });
});

describe('COMMAND_LOADERS', () => {
  it('has exactly the commands of the full program, and each loader registers its command', async () => {
    const full = createProgram().commands.map((command) => command.name());
    expect(Object.keys(COMMAND_LOADERS).sort()).toEqual([...full].sort());
    for (const [name, load] of Object.entries(COMMAND_LOADERS)) {
      const register = await load();
      const program = createProgramShell({}, register);
      expect(
        program.commands.map((command) => command.name()),
        name,
      ).toContain(name);
    }
  }, 60_000);
});

describe('runFast', () => {
  it('prints what the full program prints for status (human and --json) and its help', async () => {
    const home = await initHome();
    homes.push(home);
    for (const argv of [
      ['status', '--home', home.home],
      ['--json', 'status', '--home', home.home],
      ['--home', home.home, 'status', '--help'],
      ['status', '--home', `${home.home}/missing`],
      ['status', '--bogus'],
    ]) {
      const fast = await capture(runFast, argv);
      const full = await capture(run, argv);
      expect(fast, argv.join(' ')).toEqual(full);
    }
    // The runs above read a real home: the JSON names it and counts every status.
    const json = JSON.parse((await capture(runFast, ['status', '--json', '--home', home.home])).stdout);
    expect(json.home).toBe(home.home);
    expect(Object.keys(json.tasks)).toContain('WAITING_HUMAN');
    expect((await capture(runFast, ['status', '--bogus'])).code).toBe(2);
  }, 60_000);

  it('sends help and unknown commands to the full program', async () => {
    const help = await capture(runFast, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('gdpr-erase');
    expect(help.stdout).toContain('Exit codes:');
    const unknown = await capture(runFast, ['stauts']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('(Did you mean status?)');
  });
});
