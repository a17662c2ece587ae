import { BigedError, ConfigError } from '@biged/core';
import { describe, expect, it } from 'vitest';
import { CliError, exitCodeFor } from './errors';
import { EXIT_CODES, ISSUES_URL } from './exit-codes';
import type { CliIO } from './io';
import { renderError } from './program';
import { runCli } from './test-utils';

const captureIO = () => {
  const io = { stdout: '', stderr: '' };
  const sinks: CliIO = {
    stdout: {
      write: (text: string) => {
        io.stdout += text;
      },
    },
    stderr: {
      write: (text: string) => {
        io.stderr += text;
      },
    },
    env: {},
    cwd: '/',
  };
  return { io, sinks };
};

describe('the biged program', () => {
  it('prints help with every command, the exit codes and the global options (exit 0)', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of [
      'init',
      'up',
      'down',
      'status',
      'dispatch',
      'task',
      'result',
      'cancel',
      'logs',
      'locks',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
    expect(result.stdout).toContain('Exit codes:');
    const sub = await runCli(['dispatch', '--help']);
    expect(sub.code).toBe(0);
    expect(sub.stdout).toContain('--priority <n>');
    expect(sub.stdout).toContain('--home <dir>'); // global options shown on every command
  });

  it('prints the version', async () => {
    const result = await runCli(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: '0.0.0-test\n' });
  });

  it('treats a malformed command line as a usage error (exit 2)', async () => {
    const unknown = await runCli(['dispach']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'dispach'");
    expect(unknown.stderr).toContain('(Did you mean dispatch?)');

    const option = await runCli(['status', '--bogus', '--json']);
    expect(option.code).toBe(2);
    expect(option.json()).toEqual({ error: { code: 'CLI_USAGE', message: "unknown option '--bogus'" } });

    expect((await runCli([])).code).toBe(2);
  });
});

describe('renderError', () => {
  it('renders a BigedError as message + hint, no stack', () => {
    const { io, sinks } = captureIO();
    const code = renderError(
      new BigedError({ code: 'X_BAD', message: 'it broke', hint: 'do the thing' }),
      sinks,
      false,
    );
    expect(code).toBe(1);
    expect(io.stderr).toBe('error: it broke\ntry: do the thing\n');
    expect(io.stdout).toBe('');
  });

  it('renders anything else as a bug: stack, issue link, exit 70', () => {
    const { io, sinks } = captureIO();
    const code = renderError(new TypeError('undefined is not a function'), sinks, true);
    expect(code).toBe(EXIT_CODES.INTERNAL);
    expect(io.stderr).toContain('TypeError: undefined is not a function\n    at ');
    expect(io.stderr).toContain(`please report this at ${ISSUES_URL}`);
    expect(JSON.parse(io.stdout)).toMatchObject({ error: { code: 'INTERNAL' } });
  });

  it('maps error codes to exit codes', () => {
    const error = (code: string) => new BigedError({ code, message: code });
    expect(exitCodeFor(error('QUEUE_TASK_NOT_FOUND'))).toBe(3);
    expect(exitCodeFor(error('SKILL_NOT_FOUND'))).toBe(1);
    expect(exitCodeFor(error('FLEET_START_FAILED'))).toBe(5);
    expect(exitCodeFor(error('FLEET_ALREADY_RUNNING'))).toBe(5);
    expect(exitCodeFor(error('QUEUE_DB_CORRUPT'))).toBe(1);
    expect(exitCodeFor(new ConfigError({ code: 'CONFIG_NOT_FOUND', file: 'f' }))).toBe(1);
    expect(exitCodeFor(new CliError({ code: 'CLI_USAGE', message: 'x' }))).toBe(2);
    expect(exitCodeFor(error('CONDUCTOR_UNREACHABLE'))).toBe(5);
    expect(exitCodeFor(error('CONDUCTOR_INVALID_ANSWER'))).toBe(1);
    expect(exitCodeFor(error('CONDUCTOR_NOT_CONFIRMED'))).toBe(1);
    expect(exitCodeFor(error('SKILL_NETWORK_DISABLED'))).toBe(1);
    expect(exitCodeFor(error('ROUTER_OFFLINE'))).toBe(1);
    expect(exitCodeFor(new CliError({ code: 'CLI_WAIT_TIMEOUT', message: 'x' }))).toBe(5);
  });
});
