import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileAtomicSync } from './write-file-atomic';

const fresh = () => mkdtempSync(path.join(tmpdir(), 'biged-atomic-'));

describe.each([
  [
    'writeFileAtomicSync',
    async (file: string, data: string, mode?: number) =>
      writeFileAtomicSync(file, data, { mode, fsync: true }),
  ],
  [
    'writeFileAtomic',
    (file: string, data: string, mode?: number) => writeFileAtomic(file, data, { mode, fsync: true }),
  ],
] as const)('%s', (_name, write) => {
  it('creates the folder, replaces the content, leaves no temp file, and sets the mode of a new file', async () => {
    const dir = fresh();
    const file = path.join(dir, 'nested', 'state.json');
    await write(file, 'first', 0o600);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await write(file, 'second', 0o600);
    expect(readFileSync(file, 'utf8')).toBe('second');
    expect(readdirSync(path.dirname(file))).toEqual(['state.json']);
  });

  it('rethrows a failure and removes its temp file', async () => {
    const dir = fresh();
    // The target is a folder: the rename fails after the temp file was written.
    const target = path.join(dir, 'taken');
    mkdirSync(path.join(target, 'child'), { recursive: true });
    await expect(Promise.resolve().then(() => write(target, 'x'))).rejects.toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});
