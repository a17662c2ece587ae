import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTempHome, type TempHome } from '@biged/core/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSkillFs } from './create-skill-fs';
import { SkillFsError } from './errors/skill-fs-error';

let home: TempHome;
let outside: TempHome;

beforeEach(() => {
  home = createTempHome();
  outside = createTempHome();
  writeFileSync(path.join(outside.home, 'secret.txt'), 'secret');
});

afterEach(() => {
  home.cleanup();
  outside.cleanup();
});

const denied = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(SkillFsError.isInstance(error)).toBe(true);
  return error as SkillFsError;
};

describe('createSkillFs', () => {
  it('reads and writes inside the roots, creating parent directories', async () => {
    const fs = createSkillFs({ writeRoots: [home.home] });
    const file = path.join(home.knowledge, 'deep', 'a.txt');
    await fs.writeFile(file, 'one');
    await fs.appendFile(file, '+two');
    expect(await fs.readFile(file, 'utf8')).toBe('one+two');
    expect((await fs.readFile(file)).byteLength).toBe(7);
    expect(await fs.exists(file)).toBe(true);
    expect(await fs.exists(path.join(home.home, 'missing'))).toBe(false);
    expect((await fs.stat(file)).size).toBe(7);
    await fs.mkdir(path.join(home.home, 'reports', 'x'));
    expect(await fs.readdir(home.home)).toEqual(expect.arrayContaining(['knowledge', 'reports']));
    const entries = await fs.readdir(home.knowledge, { withFileTypes: true });
    expect(entries.map((entry) => [entry.name, entry.isDirectory()])).toEqual([['deep', true]]);
  });

  it('resolves relative paths against cwd', async () => {
    const fs = createSkillFs({ writeRoots: ['.'], cwd: home.home });
    await fs.writeFile('notes/b.txt', 'b');
    expect(readFileSync(path.join(home.home, 'notes', 'b.txt'), 'utf8')).toBe('b');
  });

  it('denies a `..` escape and names the path and the allowed roots', async () => {
    const fs = createSkillFs({ writeRoots: [home.home] });
    const escaping = path.join(home.home, '..', path.basename(outside.home), 'secret.txt');
    const error = await denied(fs.readFile(escaping, 'utf8'));
    expect(error.code).toBe('FS_ACCESS_DENIED');
    expect(error.access).toBe('read');
    expect(error.allowedRoots).toEqual([home.home]);
    expect(error.message).toContain(escaping);
    expect(error.message).toContain(home.home);
    await denied(fs.writeFile(path.join(outside.home, 'x.txt'), 'x'));
    expect(existsSync(path.join(outside.home, 'x.txt'))).toBe(false);
  });

  it('denies reads and writes through a symlink that points outside', async () => {
    const fs = createSkillFs({ writeRoots: [home.home] });
    symlinkSync(outside.home, path.join(home.home, 'link'));
    symlinkSync(path.join(outside.home, 'secret.txt'), path.join(home.home, 'secret-link'));
    symlinkSync(path.join(outside.home, 'not-yet.txt'), path.join(home.home, 'dangling'));
    await denied(fs.readFile(path.join(home.home, 'link', 'secret.txt'), 'utf8'));
    await denied(fs.readFile(path.join(home.home, 'secret-link'), 'utf8'));
    await denied(fs.writeFile(path.join(home.home, 'link', 'new.txt'), 'x'));
    await denied(fs.appendFile(path.join(home.home, 'dangling'), 'x'));
    expect(readdirSync(outside.home)).toEqual(['secret.txt']);
  });

  it('allows reads (not writes) inside read roots', async () => {
    const fs = createSkillFs({ readRoots: [outside.home], writeRoots: [home.home] });
    expect(await fs.readFile(path.join(outside.home, 'secret.txt'), 'utf8')).toBe('secret');
    const error = await denied(fs.writeFile(path.join(outside.home, 'secret.txt'), 'overwritten'));
    expect(error.access).toBe('write');
    expect(fs.readRoots).toEqual([outside.home, home.home]);
  });

  it('writes atomically: a temp file renamed over the target, nothing left behind', async () => {
    const fs = createSkillFs({ writeRoots: [home.home] });
    const file = path.join(home.home, 'state.json');
    writeFileSync(file, '{"old":true}');
    const big = JSON.stringify({ items: Array.from({ length: 5000 }, (_, index) => index) });
    await Promise.all([fs.writeFile(file, big), fs.writeFile(file, big)]);
    expect(readFileSync(file, 'utf8')).toBe(big);
    expect(readdirSync(home.home)).toEqual(['state.json']);
  });

  it('walks the files of a directory by name, then its subdirectories depth first, skipping ignored names and symlinks', async () => {
    for (const file of ['b.txt', 'a/z.txt', 'a/b/c.txt', 'node_modules/x.js', 'c/d.txt']) {
      mkdirSync(path.dirname(path.join(home.home, file)), { recursive: true });
      writeFileSync(path.join(home.home, file), file);
    }
    symlinkSync(outside.home, path.join(home.home, 'escape'));
    const fs = createSkillFs({ readRoots: [home.home] });
    const walked: string[] = [];
    for await (const entry of fs.walk(home.home, { ignore: ['node_modules'] }))
      walked.push(entry.relativePath);
    expect(walked).toEqual(['b.txt', 'a/z.txt', 'a/b/c.txt', 'c/d.txt']);

    const limited: number[] = [];
    const ignore = ({ relativePath }: { relativePath: string }) => relativePath.startsWith('a');
    for await (const entry of fs.walk(home.home, { ignore, maxFiles: 2 })) limited.push(entry.size);
    expect(limited).toEqual([5, 7]);
    await denied(
      (async () => {
        for await (const _ of fs.walk(outside.home)) break;
      })(),
    );
  });
});
