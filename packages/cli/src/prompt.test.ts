import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createTerminalPrompt } from './prompt';

const streams = () => {
  const input = new PassThrough();
  const output = new PassThrough();
  let written = '';
  output.on('data', (chunk: Buffer) => {
    written += chunk.toString('utf8');
  });
  return { input, output, written: () => written };
};

describe('createTerminalPrompt', () => {
  it('writes the question and resolves with the next line, without its line break', async () => {
    const { input, output, written } = streams();
    const prompt = createTerminalPrompt({ input, output });
    const answer = prompt('Dispatch noop {}? [y/N] ');
    input.write('yes\r\n');
    expect(await answer).toBe('yes');
    expect(written()).toBe('Dispatch noop {}? [y/N] ');
  });

  it('asks again on the same input', async () => {
    const { input, output } = streams();
    const prompt = createTerminalPrompt({ input, output });
    const first = prompt('1? ');
    input.write('n\n');
    expect(await first).toBe('n');
    const second = prompt('2? ');
    input.write('y\n');
    expect(await second).toBe('y');
  });

  it('resolves with an empty answer (no) at end of input', async () => {
    const { input, output } = streams();
    const answer = createTerminalPrompt({ input, output })('Dispatch? ');
    input.end();
    expect(await answer).toBe('');
  });
});
