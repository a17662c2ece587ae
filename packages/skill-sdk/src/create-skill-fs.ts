import { randomBytes } from 'node:crypto';
import { constants, type Dirent } from 'node:fs';
import {
  type FileHandle,
  lstat,
  mkdir,
  open,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { type FileSystemGuard, FsGuardError } from '@biged/core';
import { type SkillFsAccess, SkillFsError } from './errors/skill-fs-error';
import type { SkillFs, SkillWalkEntry, SkillWalkIgnoreEntry, SkillWalkOptions } from './skill-v1';

/** Options for `createSkillFs`. */
export interface CreateSkillFsOptions {
  /**
   * Directories reads are allowed inside (the worker passes the fleet home plus the directories the
   * task payload names). Write roots are always readable too. Default `[]`.
   */
  readRoots?: readonly string[];
  /** Directories writes are allowed inside (the worker passes the fleet home only). Default `[]`. */
  writeRoots?: readonly string[];
  /** Directory relative paths resolve against. Default `process.cwd()`. */
  cwd?: string;
  /**
   * The fleet's FileSystemGuard (`createFileSystemGuard` from @biged/core, built for the skill). When
   * given, it decides every path instead of `readRoots`/`writeRoots` (which are then ignored), refusals
   * throw `FsGuardError` (`FS_ZONE_DENIED`), and `readRoots`/`writeRoots` report the zones. Default: none
   * (the roots decide, refusals throw `SkillFsError`).
   */
  guard?: FileSystemGuard;
}

const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;

const isNotFound = (error: unknown) =>
  error != null && typeof error === 'object' && (error as { code?: unknown }).code === 'ENOENT';

/**
 * The absolute real path of `target`, symlinks followed. For a path that does not exist yet (a file
 * about to be written) the nearest existing ancestor is resolved and the rest appended, so a symlinked
 * parent directory cannot smuggle a write outside the roots. A dangling symlink resolves to where it
 * points, so appending through it cannot create a file outside the roots either.
 */
async function resolveReal(target: string): Promise<string> {
  const missing: string[] = [];
  let current = target;
  for (let hops = 0; hops < 64; hops += 1) {
    try {
      const real = await realpath(current);
      return missing.length === 0 ? real : path.join(real, ...[...missing].reverse());
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    const link = await readlink(current).catch(() => undefined);
    if (link !== undefined) {
      current = path.resolve(path.dirname(current), link);
      continue;
    }
    const parent = path.dirname(current);
    if (parent === current) break;
    missing.push(path.basename(current));
    current = parent;
  }
  // Nothing on the way exists (or a symlink loop): judge the path as written.
  return path.join(current, ...[...missing].reverse());
}

const isInside = (root: string, target: string) => {
  const relative = path.relative(root, target);
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
};

const toPosix = (relative: string) => relative.split(path.sep).join('/');

/**
 * Creates the guarded file system a skill gets as `ctx.fs`. Every path is resolved to an absolute real
 * path (following symlinks of existing paths and of the nearest existing parent of new ones) and must lie
 * inside one of the roots, else the call throws `SkillFsError` (`FS_ACCESS_DENIED`) naming the path and
 * the allowed roots. Writes are atomic (temp file + rename).
 *
 * With `guard`, the fleet's FileSystemGuard (zones, overrides, enforce) decides instead of the roots.
 *
 * The guard stops mistakes and payload-directed paths, not hostile code: a skill runs in-process and could
 * import `node:fs` itself. Reads and appends open the file and then confirm the descriptor is the checked
 * file (symlink swapped in between: refused; on Linux also a swapped parent directory). Atomic writes,
 * `mkdir`, `stat` and `readdir` are checked before the operation only.
 */
export function createSkillFs({
  readRoots = [],
  writeRoots = [],
  cwd = process.cwd(),
  guard,
}: CreateSkillFsOptions = {}): SkillFs {
  const absoluteWrite = guard
    ? guard.zones.filter((zone) => zone.access !== 'read').map((zone) => zone.path)
    : [...new Set(writeRoots.map((root) => path.resolve(cwd, root)))];
  const absoluteRead = guard
    ? guard.zones.map((zone) => zone.path)
    : [...new Set([...readRoots.map((root) => path.resolve(cwd, root)), ...absoluteWrite])];
  // Roots are resolved once, lazily (a root such as the knowledge dir may not exist yet).
  const realRoots = new Map<string, Promise<string>>();
  const realRoot = (root: string) => {
    let real = realRoots.get(root);
    if (!real) {
      real = resolveReal(root);
      realRoots.set(root, real);
    }
    return real;
  };

  const check = async (given: string, access: SkillFsAccess): Promise<string> => {
    if (guard) {
      const resolved = await guard.assert(given, access, { cwd });
      // Under enforce = false a path the guard could not resolve (empty, NUL) is passed on as written.
      return resolved === '' ? path.resolve(cwd, given) : resolved;
    }
    const roots = access === 'write' ? absoluteWrite : absoluteRead;
    const resolved = await resolveReal(path.resolve(cwd, given));
    for (const root of roots) {
      if (isInside(await realRoot(root), resolved)) return resolved;
    }
    throw new SkillFsError({ path: given, resolvedPath: resolved, access, allowedRoots: [...roots] });
  };

  const refuseOpened = (given: string, resolved: string, access: SkillFsAccess, reason: string): Error =>
    guard
      ? new FsGuardError({
          path: given,
          resolvedPath: resolved,
          access,
          zones: guard.zones.map((zone) => `${zone.name}=${zone.path} (${zone.access})`),
          reason,
          skill: guard.skill,
        })
      : new SkillFsError({
          path: given,
          resolvedPath: resolved,
          access,
          allowedRoots: access === 'write' ? [...absoluteWrite] : [...absoluteRead],
        });

  /**
   * Opens the checked path, then confirms the descriptor is the checked file: `O_NOFOLLOW` refuses a
   * symlink swapped in for the file itself, `fstat` refuses anything but a regular file (a FIFO cannot
   * block: `O_NONBLOCK`), and on Linux `/proc/self/fd/<fd>` must name the checked path (catches a parent
   * directory swapped for a symlink between the check and the open).
   */
  const openChecked = async (
    given: string,
    resolved: string,
    access: SkillFsAccess,
    flags: number,
  ): Promise<FileHandle> => {
    let handle: FileHandle;
    try {
      handle = await open(resolved, flags | O_NOFOLLOW | O_NONBLOCK, 0o666);
    } catch (error) {
      if ((error as { code?: string }).code === 'ELOOP') {
        throw refuseOpened(given, resolved, access, 'the file became a symlink after the check');
      }
      throw error;
    }
    try {
      const stats = await handle.stat();
      if (stats.isDirectory()) {
        // What readFile on a directory has always answered.
        throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${resolved}'`), {
          code: 'EISDIR',
          path: resolved,
        });
      }
      if (!stats.isFile()) throw refuseOpened(given, resolved, access, 'not a regular file');
      if (process.platform === 'linux') {
        const opened = await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined);
        if (opened !== undefined && opened !== resolved) {
          throw refuseOpened(given, resolved, access, `opened ${opened}, not the checked path`);
        }
      }
      return handle;
    } catch (error) {
      await handle.close();
      throw error;
    }
  };

  async function guardedReadFile(file: string): Promise<Buffer>;
  async function guardedReadFile(file: string, encoding: BufferEncoding): Promise<string>;
  async function guardedReadFile(file: string, encoding?: BufferEncoding): Promise<Buffer | string> {
    const resolved = await check(file, 'read');
    const handle = await openChecked(file, resolved, 'read', constants.O_RDONLY);
    try {
      return encoding ? await handle.readFile(encoding) : await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async function guardedReaddir(dir: string): Promise<string[]>;
  async function guardedReaddir(dir: string, options: { withFileTypes: true }): Promise<Dirent[]>;
  async function guardedReaddir(
    dir: string,
    options?: { withFileTypes: true },
  ): Promise<string[] | Dirent[]> {
    const resolved = await check(dir, 'read');
    return options?.withFileTypes ? readdir(resolved, { withFileTypes: true }) : readdir(resolved);
  }

  async function* walk(dir: string, { ignore, maxFiles = Number.POSITIVE_INFINITY }: SkillWalkOptions = {}) {
    const root = await check(dir, 'read');
    const ignored =
      typeof ignore === 'function'
        ? ignore
        : ignore
          ? (
              (names: Set<string>) => (entry: SkillWalkIgnoreEntry) =>
                names.has(entry.name)
            )(new Set(ignore))
          : undefined;
    let yielded = 0;
    if (yielded >= maxFiles) return;
    // Depth first with an explicit stack; each directory's entries sorted so output is deterministic.
    const stack: string[] = [''];
    while (stack.length > 0) {
      const relativeDir = stack.pop()!;
      const entries = await readdir(path.join(root, relativeDir), { withFileTypes: true });
      entries.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
      const subdirectories: string[] = [];
      for (const entry of entries) {
        if (entry.isSymbolicLink()) continue;
        const relativePath = relativeDir === '' ? entry.name : path.join(relativeDir, entry.name);
        const isDirectory = entry.isDirectory();
        if (!isDirectory && !entry.isFile()) continue;
        if (ignored?.({ name: entry.name, relativePath: toPosix(relativePath), isDirectory })) continue;
        if (isDirectory) {
          subdirectories.push(relativePath);
          continue;
        }
        const absolute = path.join(root, relativePath);
        let stats: Awaited<ReturnType<typeof lstat>>;
        try {
          stats = await lstat(absolute);
        } catch (error) {
          if (isNotFound(error)) continue; // deleted while walking
          throw error;
        }
        const walked: SkillWalkEntry = {
          path: absolute,
          relativePath: toPosix(relativePath),
          name: entry.name,
          size: stats.size,
          mtimeMs: stats.mtimeMs,
        };
        yield walked;
        yielded += 1;
        if (yielded >= maxFiles) return;
      }
      // Pushed in reverse so the stack pops them in name order.
      for (let index = subdirectories.length - 1; index >= 0; index -= 1) stack.push(subdirectories[index]!);
    }
  }

  return {
    readRoots: absoluteRead,
    writeRoots: absoluteWrite,
    readFile: guardedReadFile,
    readdir: guardedReaddir,
    async writeFile(file, data) {
      const resolved = await check(file, 'write');
      await mkdir(path.dirname(resolved), { recursive: true });
      const temporary = path.join(
        path.dirname(resolved),
        `.${path.basename(resolved)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`,
      );
      try {
        await writeFile(temporary, data);
        await rename(temporary, resolved);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
    },
    async appendFile(file, data) {
      const resolved = await check(file, 'write');
      await mkdir(path.dirname(resolved), { recursive: true });
      const handle = await openChecked(
        file,
        resolved,
        'write',
        constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
      );
      try {
        await handle.appendFile(data);
      } finally {
        await handle.close();
      }
    },
    async stat(target) {
      return stat(await check(target, 'read'));
    },
    async mkdir(dir) {
      await mkdir(await check(dir, 'write'), { recursive: true });
    },
    async exists(target) {
      const resolved = await check(target, 'read');
      try {
        await lstat(resolved);
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
    async realpath(target) {
      return check(target, 'read');
    },
    walk,
  };
}
