import { lstat, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { FleetConfig } from '../config/fleet-config-schema';
import { type FsGuardAccess, FsGuardError } from '../errors/fs-guard-error';
import type { Logger } from '../logger/create-logger';

/** Access a zone grants: `read`; `read_write` (read, write); `full` (read, write, delete). */
export type FsZoneAccess = 'read' | 'read_write' | 'full';

/** One zone as the guard applies it (after `[filesystem.overrides]` for the skill). */
export interface FsZone {
  /** Zone name from `[filesystem.zones]`; the implicit fleet-home zone is `fleet_home`. */
  name: string;
  /** Absolute path of the zone (relative zone paths are resolved against the fleet home). */
  path: string;
  /** Access granted inside the zone. */
  access: FsZoneAccess;
}

/** What `check` decided. */
export interface FsCheckResult {
  /** True when the operation may go ahead (always true under `enforce = false`). */
  allowed: boolean;
  /** True when the zones do not allow it; under `enforce = false` the call is still `allowed`. */
  violation: boolean;
  /** The zone that allowed the path, when one did. */
  zone?: string;
  /** One line saying why. */
  reason: string;
  /** The absolute path after resolution; use this path for the operation. Empty if unresolvable. */
  resolvedPath: string;
}

/** Options of `check` and `assert`. */
export interface FsCheckOptions {
  /** Directory a relative path resolves against. Default: the guard's `cwd`. */
  cwd?: string;
}

/** The guard returned by `createFileSystemGuard`. */
export interface FileSystemGuard {
  /** True when violations are refused (`[filesystem.enterprise] enforce`). */
  readonly enforce: boolean;
  /** The zones in effect (fleet home first), for messages and `ctx.fs.readRoots`. */
  readonly zones: readonly FsZone[];
  /** The skill the zones were computed for, if any. */
  readonly skill: string | undefined;
  /** Resolves `target` and decides whether `access` is allowed. Never throws for a bad path. */
  check(target: string, access: FsGuardAccess, options?: FsCheckOptions): Promise<FsCheckResult>;
  /**
   * Like `check`, but throws `FsGuardError` (`FS_ZONE_DENIED`) when the result is not allowed.
   * Returns the resolved path to operate on.
   */
  assert(target: string, access: FsGuardAccess, options?: FsCheckOptions): Promise<string>;
  /** The same guard for another skill (its `[filesystem.overrides]` entry applied). */
  forSkill(skill: string | undefined): FileSystemGuard;
}

/** Options for `createFileSystemGuard`. */
export interface CreateFileSystemGuardOptions {
  /** The loaded fleet config; only `[filesystem]` is read. */
  config: Pick<FleetConfig, 'filesystem'>;
  /** The fleet home: an implicit `read_write` zone, and the base of relative zone paths. */
  home: string;
  /** Skill name whose `[filesystem.overrides]` entry applies. Default: none. */
  skill?: string;
  /** Where decisions are logged (`log_all_access`; violations are always logged). Default: none. */
  log?: Logger;
  /** Directory relative paths resolve against. Default `process.cwd()`. */
  cwd?: string;
  /**
   * Platform rules: `darwin`/`win32` compare paths case-insensitively after NFC normalisation.
   * Default `process.platform`.
   */
  platform?: NodeJS.Platform;
  /**
   * Hard links: `deny-write` (default) refuses write/delete of a regular file with more than one link
   * (an append would change the other name's file too); `deny-all` refuses reads of such files as well;
   * `allow` ignores link counts. A path check cannot tell which link is "the" file.
   */
  hardLinks?: 'deny-write' | 'deny-all' | 'allow';
  /**
   * Called with every decision the guard logs: each violation, and each allowed access too when
   * `[filesystem.enterprise] log_all_access` is true (the fleet writes them to the audit trail). It must not
   * throw; an error it throws is ignored. Default: none.
   */
  onDecision?: (decision: FsGuardDecision) => void;
}

/** A decision passed to `onDecision`. */
export interface FsGuardDecision {
  /** The path as given (at most 512 characters). */
  path: string;
  /** The path after resolution; empty if unresolvable. */
  resolvedPath: string;
  access: FsGuardAccess;
  /** The skill the guard was built for, if any. */
  skill: string | undefined;
  /** The zone that decided, if any. */
  zone: string | undefined;
  /** `allowed`; `violation-allowed` (a violation let through under `enforce = false`); `denied`. */
  decision: 'allowed' | 'violation-allowed' | 'denied';
  /** One line saying why. */
  reason: string;
}

/** Longest path accepted, in UTF-8 bytes (Linux PATH_MAX). */
export const FS_GUARD_MAX_PATH_BYTES = 4096;
/** Longest path component accepted, in UTF-8 bytes (NAME_MAX). */
export const FS_GUARD_MAX_NAME_BYTES = 255;
const MAX_SYMLINK_HOPS = 40;
/** Trees that are never inside a zone unless a zone names them: pseudo files and devices. */
const SPECIAL_ROOTS = ['/proc', '/sys', '/dev'];

const grants = (zone: FsZoneAccess, access: FsGuardAccess) =>
  access === 'read' ? true : access === 'write' ? zone !== 'read' : zone === 'full';

interface Resolution {
  resolved: string;
  /** The resolution passed through /proc, /sys or /dev, or ended on a device, FIFO or socket. */
  special: string | undefined;
  /** Link count of the final file when it is a regular file. */
  nlink: number;
  error?: string;
}

const isUnder = (root: string, target: string) =>
  target === root || target.startsWith(root.endsWith('/') ? root : `${root}/`);

const specialRootOf = (absolute: string) => SPECIAL_ROOTS.find((root) => isUnder(root, absolute));

/**
 * Resolves `absolute` one component at a time, the way the kernel does: a symlink is replaced by its
 * target before the next component (so `link/..` is the parent of the link's target, not of the link),
 * a missing component ends the walk and the rest is appended (a file about to be created), a dangling
 * symlink resolves to where it points. Every hop is checked against the special trees.
 */
async function resolveWalk(absolute: string): Promise<Resolution> {
  const queue = absolute.split('/').filter((part) => part !== '');
  let current = '/';
  let special: string | undefined = specialRootOf(absolute) ? absolute : undefined;
  let hops = 0;
  let nlink = 1;
  while (queue.length > 0) {
    const part = queue.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      current = path.posix.dirname(current);
      continue;
    }
    const next = path.posix.join(current, part);
    let stats: Awaited<ReturnType<typeof lstat>>;
    try {
      stats = await lstat(next);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') {
        // Nothing further exists: the rest is judged as written (`..` can only climb back up). When it
        // climbs back (`missing/../link`), walk the normalised rest again: it may reach a symlink.
        const rest = path.posix.resolve(next, ...queue);
        if (queue.includes('..')) {
          hops += 1;
          if (hops > MAX_SYMLINK_HOPS)
            return { resolved: rest, special, nlink: 1, error: 'too many symlinks (loop?)' };
          queue.splice(0, queue.length, ...rest.split('/').filter((item) => item !== ''));
          current = '/';
          continue;
        }
        if (!special && specialRootOf(rest)) special = rest;
        return { resolved: rest, special, nlink: 1 };
      }
      return { resolved: next, special, nlink: 1, error: `cannot inspect ${next}: ${code ?? String(error)}` };
    }
    if (stats.isSymbolicLink()) {
      hops += 1;
      if (hops > MAX_SYMLINK_HOPS)
        return { resolved: next, special, nlink: 1, error: 'too many symlinks (loop?)' };
      const target = await readlink(next);
      if (!special && target.startsWith('/') && specialRootOf(path.posix.resolve(target))) special = target;
      queue.unshift(...target.split('/').filter((item) => item !== ''));
      if (target.startsWith('/')) current = '/';
      continue;
    }
    if (queue.length > 0 && !stats.isDirectory()) {
      // `file.txt/../x`: the kernel stops here with ENOTDIR, so lexical `..` handling past a file would
      // judge a path no open() can take, and could land anywhere. Refuse it as the kernel would.
      const rest = path.posix.resolve(next, ...queue);
      return { resolved: rest, special, nlink: 1, error: `${next} is not a directory (ENOTDIR)` };
    }
    current = next;
    if (!special && specialRootOf(current)) special = current;
    if (queue.length === 0) {
      if (stats.isCharacterDevice() || stats.isBlockDevice() || stats.isFIFO() || stats.isSocket()) {
        special = special ?? `${current} (device, FIFO or socket)`;
      }
      if (stats.isFile()) nlink = stats.nlink;
    }
  }
  return { resolved: current, special, nlink };
}

/** Why a path string is refused before any resolution, or undefined. */
function lexicalProblem(target: unknown, platform: NodeJS.Platform): string | undefined {
  if (typeof target !== 'string') return 'path is not a string';
  if (target === '') return 'empty path';
  if (target.includes('\0')) return 'path contains a NUL byte';
  if (Buffer.byteLength(target, 'utf8') > FS_GUARD_MAX_PATH_BYTES) {
    return `path is longer than ${FS_GUARD_MAX_PATH_BYTES} bytes`;
  }
  const parts = target.split(platform === 'win32' ? /[\\/]/ : '/');
  if (parts.some((part) => Buffer.byteLength(part, 'utf8') > FS_GUARD_MAX_NAME_BYTES)) {
    return `a path component is longer than ${FS_GUARD_MAX_NAME_BYTES} bytes`;
  }
  if (platform !== 'win32' && target.includes('\\')) {
    // On POSIX a backslash is an ordinary character, but a path that reads as a Windows path with `..`,
    // a drive or a UNC prefix means something else to whoever wrote it: refuse it rather than guess.
    const windowsParts = target.split(/[\\/]/);
    if (windowsParts.includes('..') || /^[A-Za-z]:/.test(target) || target.startsWith('\\')) {
      return 'path uses Windows separators in a way that changes its meaning on this platform';
    }
  }
  if (/%(2e|2f|5c|00)/i.test(target)) return 'path contains percent-encoded dots, separators or NUL';
  const compat = target.normalize('NFKC');
  if (compat !== target) {
    const count = (text: string) => (text.match(/[\\/]/g) ?? []).length;
    const dots = (text: string) => text.split(/[\\/]/).filter((part) => part === '..' || part === '.').length;
    if (count(compat) !== count(target) || dots(compat) !== dots(target)) {
      return 'path contains look-alike separators or dots (e.g. fullwidth ／ or ．)';
    }
  }
  return undefined;
}

/**
 * Creates the FileSystemGuard of the manual: zones from `[filesystem.zones]` (plus the fleet home as an
 * implicit `read_write` zone named `fleet_home`), per-skill `[filesystem.overrides]` (the named zones get
 * the override's access for that skill), and `[filesystem.enterprise]`: `enforce` (false: violations are
 * logged and allowed; true: refused), `deny_by_default` (true: a path outside every zone is a violation),
 * `log_all_access` (every decision is logged at info; violations are always logged at warn).
 *
 * Paths are resolved before the check: relative to `cwd`, `..`, symlinks component by component (so a
 * symlinked parent or a dangling symlink cannot lead out), and compared per platform (NFC +
 * case-insensitive on darwin/win32, exact elsewhere). `/proc`, `/sys`, `/dev` and device files, FIFOs
 * and sockets are never inside a zone unless a zone's own path lies in those trees. Empty paths, NUL
 * bytes, over-long paths, percent-encoded or look-alike separators, and Windows-style paths whose meaning
 * differs on POSIX are refused.
 *
 * The check is a path check: between the check and the operation the file system can change. Callers
 * that open files should confirm the opened descriptor (see `@biged/skill-sdk`'s `createSkillFs`).
 */
export function createFileSystemGuard({
  config,
  home,
  skill,
  log,
  cwd = process.cwd(),
  platform = process.platform,
  hardLinks = 'deny-write',
  onDecision,
}: CreateFileSystemGuardOptions): FileSystemGuard {
  const section = config.filesystem;
  const enterprise = section.enterprise;
  const foldCase = platform === 'darwin' || platform === 'win32';
  const compareKey = (value: string) => (foldCase ? value.normalize('NFC').toLowerCase() : value);
  const absoluteHome = path.resolve(home);

  const zones: FsZone[] = [{ name: 'fleet_home', path: absoluteHome, access: 'read_write' }];
  for (const [name, zone] of Object.entries(section.zones)) {
    zones.push({ name, path: path.resolve(absoluteHome, zone.path), access: zone.access });
  }
  const override = skill === undefined ? undefined : section.overrides[skill];
  if (override) {
    for (const zone of zones) if (override.zones.includes(zone.name)) zone.access = override.access;
  }
  const describeZones = zones.map((zone) => `${zone.name}=${zone.path} (${zone.access})`);

  // Zone paths are resolved once, lazily (a zone directory may not exist yet).
  const realZones = new Map<FsZone, Promise<Resolution>>();
  const realZone = (zone: FsZone) => {
    let real = realZones.get(zone);
    if (!real) {
      real = resolveWalk(zone.path);
      realZones.set(zone, real);
    }
    return real;
  };

  const inside = (root: string, target: string) => {
    const rootKey = compareKey(root);
    const targetKey = compareKey(target);
    return targetKey === rootKey || targetKey.startsWith(rootKey === '/' ? '/' : `${rootKey}/`);
  };

  const decide = async (target: string, access: FsGuardAccess, base: string) => {
    const problem = lexicalProblem(target, platform);
    if (problem) return { violation: true, reason: problem, resolvedPath: '' };
    const absolute = target.startsWith('/') ? target : `${path.resolve(base)}/${target}`;
    const resolution = await resolveWalk(absolute);
    const resolvedPath = resolution.resolved;
    if (resolution.error) return { violation: true, reason: resolution.error, resolvedPath };
    // The innermost zone containing the path decides (a read zone nested in a read_write one wins).
    let best: { zone: FsZone; real: string } | undefined;
    for (const zone of zones) {
      const real = (await realZone(zone)).resolved;
      if (inside(real, resolvedPath) && (!best || real.length > best.real.length)) best = { zone, real };
    }
    if (resolution.special) {
      const named = best && (await realZone(best.zone)).special !== undefined;
      if (!named) {
        return {
          violation: true,
          reason: `resolves through ${resolution.special}: /proc, /sys, /dev and device files are never inside a zone unless a zone names them`,
          resolvedPath,
        };
      }
    }
    if (!best) {
      return enterprise.deny_by_default
        ? { violation: true, reason: 'path is outside every zone (deny_by_default)', resolvedPath }
        : { violation: false, reason: 'outside every zone; deny_by_default is false', resolvedPath };
    }
    const zone = best.zone;
    if (!grants(zone.access, access)) {
      return {
        violation: true,
        zone: zone.name,
        reason: `zone ${zone.name} grants ${zone.access}, not ${access}`,
        resolvedPath,
      };
    }
    if (resolution.nlink > 1 && hardLinks !== 'allow' && (access !== 'read' || hardLinks === 'deny-all')) {
      return {
        violation: true,
        zone: zone.name,
        reason: `file has ${resolution.nlink} hard links; its other names may lie outside every zone`,
        resolvedPath,
      };
    }
    return {
      violation: false,
      zone: zone.name,
      reason: `inside zone ${zone.name} (${zone.access})`,
      resolvedPath,
    };
  };

  const guard: FileSystemGuard = {
    enforce: enterprise.enforce,
    zones,
    skill,
    async check(target, access, options = {}) {
      const decision = await decide(target, access, options.cwd ?? cwd);
      const allowed = !decision.violation || !enterprise.enforce;
      const result: FsCheckResult = { allowed, ...decision };
      const fields: FsGuardDecision = {
        path: typeof target === 'string' ? target.slice(0, 512) : String(target),
        resolvedPath: result.resolvedPath,
        access,
        skill,
        zone: result.zone,
        decision: decision.violation ? (allowed ? 'violation-allowed' : 'denied') : 'allowed',
        reason: result.reason,
      };
      if (decision.violation) log?.warn('fs access violation', { ...fields });
      else if (enterprise.log_all_access) log?.info('fs access', { ...fields });
      if (onDecision && (decision.violation || enterprise.log_all_access)) {
        try {
          onDecision(fields);
        } catch {
          // A failing audit sink must not turn a file access into a crash; the log line above stays.
        }
      }
      return result;
    },
    async assert(target, access, options) {
      const result = await guard.check(target, access, options);
      if (!result.allowed) {
        throw new FsGuardError({
          path: String(target),
          resolvedPath: result.resolvedPath,
          access,
          zones: describeZones,
          reason: result.reason,
          skill,
        });
      }
      return result.resolvedPath;
    },
    forSkill(other) {
      return createFileSystemGuard({ config, home, skill: other, log, cwd, platform, hardLinks, onDecision });
    },
  };
  return guard;
}
