import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTempHome, type TempHome } from '@biged/core/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readLastLines } from '../output/read-last-lines';
import { runCli } from '../test-utils';

const line = (index: number) =>
  JSON.stringify({
    level: 30,
    time: Date.UTC(2025, 0, 1, 0, 0, index),
    pid: 7,
    role: 'coder_1',
    msg: `step ${index}`,
    taskId: index,
  });

describe('biged logs', () => {
  let home: TempHome;
  beforeEach(() => {
    home = createTempHome();
    mkdirSync(home.logs);
    const lines = Array.from({ length: 40 }, (_, index) => line(index + 1));
    writeFileSync(path.join(home.logs, 'coder_1.log'), `${lines.join('\n')}\nplain crash output\n`);
    writeFileSync(path.join(home.logs, 'supervisor.log'), '');
  });
  afterEach(() => home.cleanup());

  it('pretty-prints the last 30 lines by default', async () => {
    const result = await runCli(['logs', 'coder_1', '--home', home.home]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(30);
    expect(lines[0]).toBe('2025-01-01T00:00:12.000Z INFO  step 12 taskId=12');
    expect(lines.at(-1)).toBe('plain crash output');
  });

  it('honours --tail and prints raw JSON lines with --json', async () => {
    const result = await runCli(['logs', 'coder_1', '--tail', '2', '--json', '--home', home.home]);
    expect(result.stdout).toBe(`${line(40)}\nplain crash output\n`);
    const empty = await runCli(['logs', 'supervisor', '--home', home.home]);
    expect(empty).toMatchObject({ code: 0, stdout: '' });
  });

  it('lists the available logs for an unknown agent (exit 3), and never reads outside logs/', async () => {
    const result = await runCli(['logs', 'coder_9', '--home', home.home]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('no log for "coder_9"');
    expect(result.stderr).toContain('try: available: coder_1, supervisor');
    writeFileSync(path.join(home.home, 'secret.log'), 'x');
    expect((await runCli(['logs', '../secret', '--home', home.home])).code).toBe(3);
  });

  it('rejects a bad --tail', async () => {
    const result = await runCli(['logs', 'coder_1', '--tail', '0', '--home', home.home]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('--tail must be a whole number above 0');
  });
});

describe('readLastLines', () => {
  it('reads whole lines across chunk boundaries', () => {
    const home = createTempHome();
    const file = path.join(home.home, 'big.log');
    const lines = Array.from({ length: 5000 }, (_, index) => `line ${index} ${'x'.repeat(index % 50)}`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    expect(readLastLines(file, 3)).toEqual(lines.slice(-3));
    expect(readLastLines(file, 4000)).toEqual(lines.slice(-4000));
    expect(readLastLines(file, 10_000)).toEqual(lines);
    writeFileSync(file, 'no trailing newline');
    expect(readLastLines(file, 5)).toEqual(['no trailing newline']);
    home.cleanup();
  });
});
