import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createFileSystemGuard, type FileSystemGuard, FsGuardError, parseFleetConfig } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSkillFs } from './create-skill-fs';

let home: TempHome;
let zone: TempHome;
let outside: TempHome;

beforeEach(() => {
  home = createTempHome();
  zone = createTempHome();
  outside = createTempHome();
  writeFileSync(path.join(outside.home, 'secret.txt'), 'secret');
  writeFileSync(path.join(zone.home, 'ok.txt'), 'ok');
});

afterEach(() => {
  home.cleanup();
  zone.cleanup();
  outside.cleanup();
});

const guardFor = (enforce: boolean) =>
  createFileSystemGuard({
    config: parseFleetConfig({
      filesystem: { zones: { docs: { path: zone.home, access: 'read' } }, enterprise: { enforce } },
    }).config,
    home: home.home,
    cwd: zone.home,
  });

const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );

describe('createSkillFs with a FileSystemGuard', () => {
  it('reads zones, writes only where the zone allows, and reports zones as roots', async () => {
    const fs = createSkillFs({ guard: guardFor(true), cwd: zone.home });
    expect(fs.readRoots).toEqual([home.home, zone.home]);
    expect(fs.writeRoots).toEqual([home.home]);
    await expect(fs.readFile('ok.txt', 'utf8')).resolves.toBe('ok');
    await fs.writeFile(path.join(home.home, 'reports', 'r.md'), 'report');
    expect(readFileSync(path.join(home.home, 'reports', 'r.md'), 'utf8')).toBe('report');
    const error = await rejection(fs.writeFile('ok.txt', 'changed'));
    expect(FsGuardError.isInstance(error)).toBe(true);
    expect((error as FsGuardError).reason).toContain('grants read');
    expect(readFileSync(path.join(zone.home, 'ok.txt'), 'utf8')).toBe('ok');
  });

  it('refuses an escape with FsGuardError under enforce = true and lets it through under enforce = false', async () => {
    const enforced = createSkillFs({ guard: guardFor(true), cwd: zone.home });
    const outsidePath = path.relative(zone.home, path.join(outside.home, 'secret.txt'));
    expect(FsGuardError.isInstance(await rejection(enforced.readFile(outsidePath, 'utf8')))).toBe(true);
    const logOnly = createSkillFs({ guard: guardFor(false), cwd: zone.home });
    await expect(logOnly.readFile(outsidePath, 'utf8')).resolves.toBe('secret');
  });

  it('refuses a file swapped for a symlink between the check and the open', async () => {
    const real = guardFor(true);
    const swapping: FileSystemGuard = {
      ...real,
      async assert(target, access, options) {
        const resolved = await real.assert(target, access, options);
        renameSync(path.join(zone.home, 'ok.txt'), path.join(zone.home, 'ok.old'));
        symlinkSync(path.join(outside.home, 'secret.txt'), path.join(zone.home, 'ok.txt'));
        return resolved;
      },
    };
    const fs = createSkillFs({ guard: swapping, cwd: zone.home });
    const error = await rejection(fs.readFile('ok.txt', 'utf8'));
    expect(FsGuardError.isInstance(error)).toBe(true);
    expect((error as FsGuardError).reason).toContain('symlink');
  });

  it.runIf(process.platform === 'linux')(
    'refuses a parent directory swapped for a symlink between the check and the open (Linux)',
    async () => {
      mkdirSync(path.join(zone.home, 'sub'));
      writeFileSync(path.join(zone.home, 'sub', 'secret.txt'), 'fine');
      const real = guardFor(true);
      const swapping: FileSystemGuard = {
        ...real,
        async assert(target, access, options) {
          const resolved = await real.assert(target, access, options);
          renameSync(path.join(zone.home, 'sub'), path.join(zone.home, 'sub.old'));
          symlinkSync(outside.home, path.join(zone.home, 'sub'));
          return resolved;
        },
      };
      const fs = createSkillFs({ guard: swapping, cwd: zone.home });
      const error = await rejection(fs.readFile('sub/secret.txt', 'utf8'));
      expect(FsGuardError.isInstance(error)).toBe(true);
      expect((error as FsGuardError).reason).toContain(`opened ${path.join(outside.home, 'secret.txt')}`);
    },
  );

  it('appends only to the checked file', async () => {
    const fs = createSkillFs({ guard: guardFor(true), cwd: home.home });
    await fs.appendFile('log.txt', 'a');
    await fs.appendFile('log.txt', 'b');
    expect(readFileSync(path.join(home.home, 'log.txt'), 'utf8')).toBe('ab');
  });
});

describe('createSkillFs: opened file checks (roots mode too)', () => {
  it('answers EISDIR for a directory, as readFile always did', async () => {
    const fs = createSkillFs({ readRoots: [zone.home], cwd: zone.home });
    mkdirSync(path.join(zone.home, 'dir'));
    await expect(fs.readFile('dir')).rejects.toMatchObject({ code: 'EISDIR' });
  });

  it.runIf(process.platform === 'linux')('refuses a FIFO instead of blocking on it', async () => {
    execFileSync('mkfifo', [path.join(zone.home, 'pipe')]);
    const fs = createSkillFs({ readRoots: [zone.home], cwd: zone.home });
    await expect(fs.readFile('pipe')).rejects.toMatchObject({ code: 'FS_ACCESS_DENIED' });
  });
});
