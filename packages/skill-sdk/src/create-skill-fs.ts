import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import {
  appendFile,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  realpath,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
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
}

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
 * The guard stops mistakes and payload-directed paths, not hostile code: a skill runs in-process and could
 * import `node:fs` itself. Checks happen before each operation, so a symlink swapped in between is not
 * caught.
 */
export function createSkillFs({
  readRoots = [],
  writeRoots = [],
  cwd = process.cwd(),
}: CreateSkillFsOptions = {}): SkillFs {
  const absoluteWrite = [...new Set(writeRoots.map((root) => path.resolve(cwd, root)))];
  const absoluteRead = [...new Set([...readRoots.map((root) => path.resolve(cwd, root)), ...absoluteWrite])];
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
    const roots = access === 'write' ? absoluteWrite : absoluteRead;
    const resolved = await resolveReal(path.resolve(cwd, given));
    for (const root of roots) {
      if (isInside(await realRoot(root), resolved)) return resolved;
    }
    throw new SkillFsError({ path: given, resolvedPath: resolved, access, allowedRoots: [...roots] });
  };

  async function guardedReadFile(file: string): Promise<Buffer>;
  async function guardedReadFile(file: string, encoding: BufferEncoding): Promise<string>;
  async function guardedReadFile(file: string, encoding?: BufferEncoding): Promise<Buffer | string> {
    const resolved = await check(file, 'read');
    return encoding ? readFile(resolved, encoding) : readFile(resolved);
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
      await appendFile(resolved, data);
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
