import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

const CHUNK = 64 * 1024;

/**
 * The last `count` lines of a file, read backwards in chunks so a 50 MB log costs only what is shown.
 * A trailing newline does not count as an empty last line.
 */
export function readLastLines(file: string, count: number): string[] {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    let position = size;
    let buffer = Buffer.alloc(0);
    let newlines = 0;
    // One more newline than lines wanted, plus the possible trailing one.
    while (position > 0 && newlines <= count + 1) {
      const length = Math.min(CHUNK, position);
      position -= length;
      const chunk = Buffer.alloc(length);
      readSync(fd, chunk, 0, length, position);
      for (const byte of chunk) if (byte === 0x0a) newlines++;
      buffer = Buffer.concat([chunk, buffer]);
    }
    const lines = buffer.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    // Reading stopped mid-file: the first piece may be a partial line; only whole lines are kept.
    if (position > 0) lines.shift();
    return lines.slice(-count);
  } finally {
    closeSync(fd);
  }
}
