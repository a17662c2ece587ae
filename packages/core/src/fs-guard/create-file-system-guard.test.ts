import { execFileSync } from 'node:child_process';
import {
  closeSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFleetConfig } from '../config/load-config';
import { FsGuardError } from '../errors/fs-guard-error';
import type { Logger } from '../logger/create-logger';
import {
  createFileSystemGuard,
  type FileSystemGuard,
  type FsGuardDecision,
} from './create-file-system-guard';

const linux = process.platform === 'linux';

interface Line {
  level: string;
  message: string;
  fields: Record<string, unknown> | undefined;
}

const captureLogger = (lines: Line[]): Logger => {
  const logger: Logger = {
    trace: (message, fields) => lines.push({ level: 'trace', message, fields }),
    debug: (message, fields) => lines.push({ level: 'debug', message, fields }),
    info: (message, fields) => lines.push({ level: 'info', message, fields }),
    warn: (message, fields) => lines.push({ level: 'warn', message, fields }),
    error: (message, fields) => lines.push({ level: 'error', message, fields }),
    child: () => logger,
    flush: () => {},
  };
  return logger;
};

let base: string;
let home: string;
let zone: string;
let readonlyZone: string;
let outside: string;
let heldFd: number;

const configFor = (enforce: boolean, extra: Record<string, unknown> = {}) =>
  parseFleetConfig({
    filesystem: {
      zones: {
        work: { path: zone, access: 'read_write' },
        docs: { path: readonlyZone, access: 'read' },
        cafe: { path: path.join(base, 'caf\u00e9'), access: 'read_write' },
        ...extra,
      },
      enterprise: { enforce, deny_by_default: true, log_all_access: true },
    },
  }).config;

beforeAll(() => {
  base = realpathSync(mkdtempSync(path.join(tmpdir(), 'biged-guard-')));
  home = path.join(base, 'home');
  zone = path.join(base, 'zone');
  readonlyZone = path.join(base, 'docs');
  outside = path.join(base, 'outside');
  for (const dir of [
    home,
    zone,
    readonlyZone,
    outside,
    path.join(outside, 'inner'),
    path.join(zone, 'sub'),
  ]) {
    mkdirSync(dir, { recursive: true });
  }
  writeFileSync(path.join(outside, 'secret.txt'), 'secret');
  writeFileSync(path.join(zone, 'ok.txt'), 'ok');
  writeFileSync(path.join(readonlyZone, 'readme.txt'), 'docs');
  symlinkSync(path.join(outside, 'secret.txt'), path.join(zone, 'link-to-secret'));
  symlinkSync(outside, path.join(zone, 'link-to-outside'));
  symlinkSync(path.join(outside, 'new.txt'), path.join(zone, 'dangling'));
  symlinkSync(path.join(zone, 'link-b'), path.join(zone, 'link-a'));
  symlinkSync(outside, path.join(zone, 'link-b'));
  symlinkSync(path.join(outside, 'inner'), path.join(zone, 'deep'));
  symlinkSync('../outside/secret.txt', path.join(zone, 'relative-link'));
  symlinkSync(path.join(zone, 'loop-2'), path.join(zone, 'loop-1'));
  symlinkSync(path.join(zone, 'loop-1'), path.join(zone, 'loop-2'));
  symlinkSync('/dev/zero', path.join(zone, 'zero'));
  symlinkSync('../../../../../../../../../dev/null', path.join(zone, 'relative-null'));
  symlinkSync('/proc/self/root/etc/hostname', path.join(zone, 'proc-link'));
  linkSync(path.join(outside, 'secret.txt'), path.join(zone, 'hard-link'));
  // Unicode: the zone sibling "cafe\u0301" (NFD) is a different directory than "café" (NFC) on Linux.
  mkdirSync(path.join(base, 'caf\u00e9'));
  mkdirSync(path.join(base, 'cafe\u0301'));
  writeFileSync(path.join(base, 'cafe\u0301', 'secret.txt'), 'nfd');
  mkdirSync(path.join(base, 'zone-evil'));
  writeFileSync(path.join(base, 'zone-evil', 'x.txt'), 'x');
  if (linux) execFileSync('mkfifo', [path.join(zone, 'fifo')]);
  heldFd = openSync(path.join(zone, 'ok.txt'), 'r');
});

afterAll(() => {
  closeSync(heldFd);
  rmSync(base, { recursive: true, force: true });
});

/** Each escape attempt: the path, the access, and the cwd relative paths resolve against. */
const attempts = (): { name: string; target: string; access: 'read' | 'write' | 'delete' }[] => [
  { name: '.. traversal', target: '../outside/secret.txt', access: 'read' },
  { name: 'deep .. traversal', target: '../../../../../../../../etc/passwd', access: 'read' },
  {
    name: 'absolute path with .. through the zone',
    target: `${zone}/sub/../../outside/secret.txt`,
    access: 'read',
  },
  { name: 'absolute system path', target: '/etc/passwd', access: 'read' },
  { name: 'absolute path outside', target: `${outside}/secret.txt`, access: 'read' },
  { name: 'write to absolute path outside', target: `${outside}/new.txt`, access: 'write' },
  { name: 'sibling sharing the zone prefix', target: `${base}/zone-evil/x.txt`, access: 'read' },
  { name: 'trailing separator on an outside dir', target: `${outside}/`, access: 'read' },
  { name: 'Windows separators with ..', target: '..\\outside\\secret.txt', access: 'read' },
  { name: 'mixed separators with ..', target: 'sub\\..\\..\\outside/secret.txt', access: 'read' },
  { name: 'Windows drive path', target: 'C:\\Windows\\system32\\config', access: 'read' },
  { name: 'UNC path', target: '\\\\server\\share\\file', access: 'read' },
  { name: 'percent-encoded ..', target: '%2e%2e%2foutside%2fsecret.txt', access: 'read' },
  { name: 'percent-encoded separator', target: '..%2Foutside/secret.txt', access: 'read' },
  { name: 'fullwidth dots and solidus', target: '\uff0e\uff0e\uff0foutside/secret.txt', access: 'read' },
  { name: 'NFD look-alike of a zone', target: `${base}/cafe\u0301/secret.txt`, access: 'read' },
  { name: 'symlink to a file outside', target: 'link-to-secret', access: 'read' },
  { name: 'symlink to a dir outside', target: 'link-to-outside/secret.txt', access: 'read' },
  { name: 'symlinked parent dir (write)', target: 'link-to-outside/planted.txt', access: 'write' },
  { name: 'dangling symlink (write)', target: 'dangling', access: 'write' },
  { name: 'missing dir, then .. back to a dangling symlink', target: 'nope/../dangling', access: 'write' },
  { name: 'symlink to a dir outside, trailing slash', target: 'link-to-outside/', access: 'read' },
  { name: 'symlink chain', target: 'link-a/secret.txt', access: 'read' },
  { name: 'symlink then ..', target: 'deep/../secret.txt', access: 'read' },
  // Found by the property test: `..` after a file would be resolved lexically; the kernel says ENOTDIR.
  { name: '.. after a file, then a link', target: 'ok.txt/../link-to-outside/secret.txt', access: 'read' },
  { name: 'relative symlink outside', target: 'relative-link', access: 'read' },
  { name: 'symlink loop', target: 'loop-1', access: 'read' },
  { name: 'symlink to /dev/zero', target: 'zero', access: 'read' },
  { name: 'relative symlink to /dev/null', target: 'relative-null', access: 'write' },
  { name: 'symlink through /proc/self/root', target: 'proc-link', access: 'read' },
  { name: '/proc/self/root back into the zone', target: `/proc/self/root${zone}/ok.txt`, access: 'read' },
  { name: '/proc/self/root/etc/passwd', target: '/proc/self/root/etc/passwd', access: 'read' },
  { name: '/proc/self/fd/N of a file in the zone', target: `/proc/self/fd/${heldFd}`, access: 'read' },
  { name: '/proc/self/cwd', target: '/proc/self/cwd/package.json', access: 'read' },
  { name: '/proc/self/environ', target: '/proc/self/environ', access: 'read' },
  { name: '/dev/zero', target: '/dev/zero', access: 'read' },
  { name: '/dev/stdin', target: '/dev/stdin', access: 'read' },
  { name: '/dev/fd/0', target: '/dev/fd/0', access: 'read' },
  { name: '/sys', target: '/sys/kernel/hostname', access: 'read' },
  ...(linux ? [{ name: 'FIFO inside the zone', target: 'fifo', access: 'read' as const }] : []),
  { name: 'hard link to a file outside (write)', target: 'hard-link', access: 'write' },
  { name: 'long path', target: `${'a/'.repeat(2100)}x`, access: 'read' },
  { name: 'long component', target: 'x'.repeat(300), access: 'write' },
  { name: 'NUL byte', target: 'ok.txt\0../../outside/secret.txt', access: 'read' },
  { name: 'empty path', target: '', access: 'read' },
  { name: 'write into a read-only zone', target: `${readonlyZone}/readme.txt`, access: 'write' },
  { name: 'delete in a read_write zone', target: 'ok.txt', access: 'delete' },
];

describe('createFileSystemGuard: escape attempts', () => {
  it('has at least 30 attempts', () => {
    expect(attempts().length).toBeGreaterThanOrEqual(30);
  });

  it('refuses every attempt with FsGuardError under enforce = true', async () => {
    const lines: Line[] = [];
    const guard = createFileSystemGuard({
      config: configFor(true),
      home,
      cwd: zone,
      log: captureLogger(lines),
    });
    const leaks: string[] = [];
    for (const attempt of attempts()) {
      const result = await guard.check(attempt.target, attempt.access);
      if (result.allowed || !result.violation)
        leaks.push(`${attempt.name}: ${result.reason} (${result.resolvedPath})`);
      const error = await guard.assert(attempt.target, attempt.access).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      if (!FsGuardError.isInstance(error)) {
        leaks.push(`${attempt.name}: assert did not throw FsGuardError`);
        continue;
      }
      expect(error.code).toBe('FS_ZONE_DENIED');
      expect(error.message).toContain('work=');
    }
    expect(leaks).toEqual([]);
    expect(lines.filter((line) => line.level === 'warn')).toHaveLength(attempts().length * 2);
  });

  it('allows and logs every attempt under enforce = false', async () => {
    const lines: Line[] = [];
    const guard = createFileSystemGuard({
      config: configFor(false),
      home,
      cwd: zone,
      log: captureLogger(lines),
    });
    for (const attempt of attempts()) {
      const result = await guard.check(attempt.target, attempt.access);
      expect(result, attempt.name).toMatchObject({ allowed: true, violation: true });
      await expect(guard.assert(attempt.target, attempt.access)).resolves.toBeTypeOf('string');
    }
    const warned = lines.filter((line) => line.level === 'warn');
    expect(warned).toHaveLength(attempts().length * 2);
    expect(warned.every((line) => line.fields?.decision === 'violation-allowed')).toBe(true);
  });
});

describe('createFileSystemGuard: ordinary access', () => {
  it('allows reads and writes inside zones and the fleet home, and logs them when log_all_access', async () => {
    const lines: Line[] = [];
    const guard = createFileSystemGuard({
      config: configFor(true),
      home,
      cwd: zone,
      log: captureLogger(lines),
    });
    await expect(guard.check('ok.txt', 'read')).resolves.toMatchObject({
      allowed: true,
      violation: false,
      zone: 'work',
      resolvedPath: path.join(zone, 'ok.txt'),
    });
    await expect(guard.check('sub/new/deeper.txt', 'write')).resolves.toMatchObject({
      allowed: true,
      zone: 'work',
    });
    await expect(guard.check(`${readonlyZone}/readme.txt`, 'read')).resolves.toMatchObject({ zone: 'docs' });
    await expect(guard.check(`${home}/knowledge/notes.md`, 'write')).resolves.toMatchObject({
      zone: 'fleet_home',
    });
    await expect(guard.check(`${zone}/sub/`, 'read')).resolves.toMatchObject({
      resolvedPath: path.join(zone, 'sub'),
    });
    await expect(guard.check('./sub/../ok.txt', 'read')).resolves.toMatchObject({ allowed: true });
    // A backslash that does not change the meaning is just a character on POSIX.
    if (process.platform !== 'win32') {
      await expect(guard.check('odd\\name.txt', 'write')).resolves.toMatchObject({ allowed: true });
    }
    expect(lines.filter((line) => line.level === 'info')).toHaveLength(process.platform !== 'win32' ? 7 : 6);
  });

  it('does not log allowed access when log_all_access is false', async () => {
    const lines: Line[] = [];
    const config = parseFleetConfig({
      filesystem: { zones: { work: { path: zone } }, enterprise: { enforce: true, log_all_access: false } },
    }).config;
    const guard = createFileSystemGuard({ config, home, cwd: zone, log: captureLogger(lines) });
    await guard.check('ok.txt', 'read');
    expect(lines).toEqual([]);
  });

  it('applies [filesystem.overrides] for the named skill only', async () => {
    const config = parseFleetConfig({
      filesystem: {
        zones: { docs: { path: readonlyZone, access: 'read' } },
        overrides: { deploy_skill: { zones: ['docs'], access: 'full' } },
        enterprise: { enforce: true },
      },
    }).config;
    const plain = createFileSystemGuard({ config, home });
    const deploy = plain.forSkill('deploy_skill');
    await expect(plain.check(`${readonlyZone}/readme.txt`, 'delete')).resolves.toMatchObject({
      allowed: false,
    });
    await expect(deploy.check(`${readonlyZone}/readme.txt`, 'delete')).resolves.toMatchObject({
      allowed: true,
    });
    expect(deploy.skill).toBe('deploy_skill');
  });

  it('resolves relative zone paths against the fleet home', async () => {
    const config = parseFleetConfig({
      filesystem: { zones: { kb: { path: 'knowledge', access: 'read' } } },
    }).config;
    const guard = createFileSystemGuard({ config, home });
    expect(guard.zones.map((item) => [item.name, item.path])).toEqual([
      ['fleet_home', home],
      ['kb', path.join(home, 'knowledge')],
    ]);
  });

  it('allows paths outside every zone when deny_by_default is false, but never device files', async () => {
    const config = parseFleetConfig({
      filesystem: { enterprise: { enforce: true, deny_by_default: false } },
    }).config;
    const guard = createFileSystemGuard({ config, home });
    await expect(guard.check(`${outside}/secret.txt`, 'read')).resolves.toMatchObject({ allowed: true });
    await expect(guard.check('/dev/zero', 'read')).resolves.toMatchObject({ allowed: false });
  });

  it('allows device paths a zone names explicitly', async () => {
    const config = parseFleetConfig({
      filesystem: {
        zones: { null: { path: '/dev/null', access: 'read_write' } },
        enterprise: { enforce: true },
      },
    }).config;
    const guard = createFileSystemGuard({ config, home });
    await expect(guard.check('/dev/null', 'write')).resolves.toMatchObject({ allowed: true, zone: 'null' });
    await expect(guard.check('/dev/zero', 'read')).resolves.toMatchObject({ allowed: false });
  });

  it('hard links: reads pass by default, deny-all refuses them, allow ignores link counts', async () => {
    const config = configFor(true);
    const byDefault = createFileSystemGuard({ config, home, cwd: zone });
    await expect(byDefault.check('hard-link', 'read')).resolves.toMatchObject({ allowed: true });
    const strict = createFileSystemGuard({ config, home, cwd: zone, hardLinks: 'deny-all' });
    await expect(strict.check('hard-link', 'read')).resolves.toMatchObject({ allowed: false });
    const lax = createFileSystemGuard({ config, home, cwd: zone, hardLinks: 'allow' });
    await expect(lax.check('hard-link', 'write')).resolves.toMatchObject({ allowed: true });
  });

  it('compares case-insensitively after NFC on darwin and win32 rules only', async () => {
    const config = parseFleetConfig({
      filesystem: { zones: { cafe: { path: path.join(base, 'caf\u00e9') } }, enterprise: { enforce: true } },
    }).config;
    const posix = createFileSystemGuard({ config, home, platform: 'linux' });
    const mac = createFileSystemGuard({ config, home, platform: 'darwin' });
    const upper = path.join(base, 'CAF\u00c9', 'x.txt');
    await expect(posix.check(upper, 'read')).resolves.toMatchObject({ allowed: false });
    await expect(mac.check(upper, 'read')).resolves.toMatchObject({ allowed: true, zone: 'cafe' });
  });
});

describe('FsGuardError', () => {
  it('names the path, the resolved path and the zones', async () => {
    const guard: FileSystemGuard = createFileSystemGuard({ config: configFor(true), home, cwd: zone });
    const error = await guard.assert('../outside/secret.txt', 'read').catch((caught: unknown) => caught);
    expect(FsGuardError.isInstance(error)).toBe(true);
    const guardError = error as FsGuardError;
    expect(guardError.message).toContain('"../outside/secret.txt"');
    expect(guardError.message).toContain(path.join(outside, 'secret.txt'));
    expect(guardError.resolvedPath).toBe(path.join(outside, 'secret.txt'));
    expect(guardError.zones).toContain(`fleet_home=${home} (read_write)`);
  });
});

describe('createFileSystemGuard: onDecision', () => {
  it('reports violations always and allowed access only with log_all_access, also for forSkill guards', async () => {
    const decisions: FsGuardDecision[] = [];
    const quiet = parseFleetConfig({
      filesystem: { zones: { work: { path: zone } }, enterprise: { enforce: true, log_all_access: false } },
    }).config;
    const guard = createFileSystemGuard({
      config: quiet,
      home,
      cwd: zone,
      onDecision: (d) => decisions.push(d),
    });
    await guard.check('ok.txt', 'read');
    expect(decisions).toEqual([]);
    await guard.forSkill('summarize').check(path.join(outside, 'secret.txt'), 'read');
    expect(decisions).toEqual([
      expect.objectContaining({
        path: path.join(outside, 'secret.txt'),
        access: 'read',
        skill: 'summarize',
        decision: 'denied',
        reason: 'path is outside every zone (deny_by_default)',
      }),
    ]);

    const loud: FsGuardDecision[] = [];
    const all = createFileSystemGuard({
      config: configFor(false),
      home,
      cwd: zone,
      onDecision: (d) => loud.push(d),
    });
    await all.check('ok.txt', 'write');
    await all.check(path.join(outside, 'secret.txt'), 'read');
    expect(loud.map((d) => [d.decision, d.zone])).toEqual([
      ['allowed', 'work'],
      ['violation-allowed', undefined],
    ]);
  });

  it('ignores an onDecision that throws', async () => {
    const guard = createFileSystemGuard({
      config: configFor(true),
      home,
      cwd: zone,
      onDecision: () => {
        throw new Error('audit sink down');
      },
    });
    await expect(guard.check('ok.txt', 'read')).resolves.toMatchObject({ allowed: true });
    await expect(guard.assert(path.join(outside, 'secret.txt'), 'read')).rejects.toThrow(FsGuardError);
  });
});
