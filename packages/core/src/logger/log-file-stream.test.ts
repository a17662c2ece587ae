import { existsSync, mkdirSync, readFileSync, symlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempHome, type TempHome } from '../test/temp-home';
import { createLogger } from './create-logger';
import { createLogFileStream } from './log-file-stream';

let home: TempHome | undefined;
afterEach(() => home?.cleanup());

/** A temp home with its logs folder. */
const tempHome = (): TempHome => {
  const created = createTempHome();
  mkdirSync(created.logs, { recursive: true });
  return created;
};

const enospc = () => Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });

describe('createLogFileStream', () => {
  it('appends each line to the file, after what is already there', () => {
    home = tempHome();
    const file = path.join(home.logs, 'w.log');
    const first = createLogFileStream({ file });
    first.write('{"n":1}\n');
    first.close();
    const second = createLogFileStream({ file });
    second.write('{"n":2}\n');
    second.close();
    expect(readFileSync(file, 'utf8')).toBe('{"n":1}\n{"n":2}\n');
  });

  it.skipIf(!existsSync('/dev/full'))(
    'drops and counts lines on a real full disk (/dev/full) instead of throwing',
    () => {
      home = tempHome();
      const file = path.join(home.logs, 'full.log');
      symlinkSync('/dev/full', file);
      const stream = createLogFileStream({ file });
      expect(() => stream.write('{"n":1}\n')).not.toThrow();
      stream.write('{"n":2}\n');
      expect(stream.dropped).toBe(2);
      stream.close();
    },
  );

  it('after a full disk frees up, writes a notice with the count and the error before the next line', () => {
    home = tempHome();
    const file = path.join(home.logs, 'recovering.log');
    let full = true;
    const stream = createLogFileStream({
      file,
      write: (fd, buffer) => {
        if (full) throw enospc();
        return writeSync(fd, buffer);
      },
    });
    stream.write('{"n":1}\n');
    stream.write('{"n":2}\n');
    stream.write('{"n":3}\n');
    expect(stream.dropped).toBe(3);
    full = false;
    stream.write('{"n":4}\n');
    expect(stream.dropped).toBe(0);
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 40, dropped: 3, error: 'ENOSPC' });
    expect(lines[0].msg).toBe('3 log line(s) dropped: the file could not be written (ENOSPC)');
    expect(lines[1]).toEqual({ n: 4 });
  });

  it('ends a line cut short by the disk filling up, so the next line stays on its own', () => {
    home = tempHome();
    const file = path.join(home.logs, 'partial.log');
    let budget = 5;
    const stream = createLogFileStream({
      file,
      write: (fd, buffer) => {
        if (budget <= 0) {
          budget = Number.POSITIVE_INFINITY;
          throw enospc();
        }
        const part = buffer.subarray(0, Math.min(buffer.length, budget));
        budget -= part.length;
        return writeSync(fd, part);
      },
    });
    stream.write('{"n":"first line"}\n');
    stream.write('{"n":2}\n');
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines[0]).toBe('{"n":');
    expect(JSON.parse(lines[1]!)).toMatchObject({ dropped: 1, error: 'ENOSPC' });
    expect(JSON.parse(lines[2]!)).toEqual({ n: 2 });
  });
});

describe('createLogger on a full disk', () => {
  it.skipIf(!existsSync('/dev/full'))('never throws from a log call, a child logger or flush', () => {
    home = tempHome();
    symlinkSync('/dev/full', path.join(home.logs, 'coder_1.log'));
    const log = createLogger({ logsDir: home.logs, role: 'coder_1', level: 'debug' });
    expect(() => {
      log.debug('claimed', { taskId: 1 });
      log.info('task done', { taskId: 1 });
      log.warn('slow');
      log.error('task failed', { error: new Error('boom') });
      log.child({ taskId: 2 }).info('task started');
      log.flush();
    }).not.toThrow();
  });
});
