import path from 'node:path';
import type { SkillContext } from '@biged/skill-sdk';
import { CODE_INDEX_IGNORED_DIRECTORIES } from '../code-index';
import { SkillInputError } from '../errors/skill-input-error';
import { BINARY_EXTENSIONS, extensionOf } from './languages';

/** A text file read by `readSourceTree`. */
export interface SourceFile {
  /** Absolute real path. */
  path: string;
  /** Path relative to the tree's root (`/` separators); the base name when a single file was given. */
  relativePath: string;
  /** Its text. */
  text: string;
  /** Its size in bytes. */
  bytes: number;
}

/** Options for `readSourceTree`. */
export interface ReadSourceTreeOptions {
  /** The skill reading (errors name it). */
  skill: string;
  /** A file or a directory, read through `ctx.fs`. */
  path: string;
  /** Most files read; past it: `error` (`SKILL_INPUT_TOO_MANY`) or `truncate` (stop, `truncated: true`). */
  maxFiles: number;
  /** What to do past `maxFiles`. */
  onTooMany: 'error' | 'truncate';
  /** Files larger than this are skipped (counted in `skipped.tooLarge`); a single file given is refused. */
  maxFileBytes: number;
  /** All files together may hold at most this many bytes, else `SKILL_INPUT_TOO_LARGE`. Default: no limit. */
  maxTotalBytes?: number;
  /** Only files this predicate accepts (by base name) are read. Default: every text file. */
  accept?: (name: string) => boolean;
}

/** What `readSourceTree` read. */
export interface SourceTree {
  /** The real path of what was given. */
  root: string;
  /** True when `path` was a directory. */
  directory: boolean;
  /** The text files, in walk order (sorted, depth first). */
  files: SourceFile[];
  /** Files left out, and why. */
  skipped: { tooLarge: number; binary: number; unreadable: number };
  /** True when the walk stopped at `maxFiles`. */
  truncated: boolean;
}

const hasNul = (bytes: Buffer) => bytes.subarray(0, 8000).includes(0);

/**
 * Reads a file, or the text files under a directory (skipping `CODE_INDEX_IGNORED_DIRECTORIES`, binary
 * files and files over `maxFileBytes`), through the skill's fs guard. A path outside the guard's roots is
 * `FS_ACCESS_DENIED`; a missing one `ENOENT`; a tree over the limits a `SkillInputError`.
 */
export async function readSourceTree(ctx: SkillContext, options: ReadSourceTreeOptions): Promise<SourceTree> {
  const { skill, maxFiles, maxFileBytes, maxTotalBytes, accept } = options;
  const root = await ctx.fs.realpath(options.path);
  const stats = await ctx.fs.stat(root);
  const skipped = { tooLarge: 0, binary: 0, unreadable: 0 };
  const files: SourceFile[] = [];
  let total = 0;
  const tooLarge = (size: number, limit: number, what: string) =>
    new SkillInputError({
      code: 'SKILL_INPUT_TOO_LARGE',
      skill,
      path: root,
      size,
      limit,
      message: `${skill}: ${what} ${size} bytes, over the limit of ${limit} bytes; nothing is truncated`,
      hint: 'raise the payload\'s "max_bytes", or name a smaller file or folder',
    });

  if (!stats.isDirectory()) {
    if (stats.size > maxFileBytes) throw tooLarge(stats.size, maxFileBytes, `${root} is`);
    const bytes = await ctx.fs.readFile(root);
    if (hasNul(bytes)) {
      throw new SkillInputError({
        code: 'SKILL_INPUT_BINARY',
        skill,
        path: root,
        message: `${skill}: ${root} looks binary (it holds NUL bytes); only text files can be read`,
      });
    }
    const text = bytes.toString('utf8');
    if (text.trim() === '') {
      throw new SkillInputError({
        code: 'SKILL_INPUT_EMPTY',
        skill,
        path: root,
        size: bytes.byteLength,
        message: `${skill}: ${root} is empty`,
      });
    }
    return {
      root,
      directory: false,
      files: [{ path: root, relativePath: path.basename(root), text, bytes: bytes.byteLength }],
      skipped,
      truncated: false,
    };
  }

  const ignored = new Set(CODE_INDEX_IGNORED_DIRECTORIES);
  let truncated = false;
  for await (const entry of ctx.fs.walk(root, {
    ignore: (item) => item.isDirectory && ignored.has(item.name),
  })) {
    ctx.signal.throwIfAborted();
    if (accept && !accept(entry.name)) continue;
    if (BINARY_EXTENSIONS.has(extensionOf(entry.name))) {
      skipped.binary += 1;
      continue;
    }
    if (entry.size > maxFileBytes) {
      skipped.tooLarge += 1;
      continue;
    }
    if (files.length >= maxFiles) {
      if (options.onTooMany === 'truncate') {
        truncated = true;
        break;
      }
      throw new SkillInputError({
        code: 'SKILL_INPUT_TOO_MANY',
        skill,
        path: root,
        size: files.length + 1,
        limit: maxFiles,
        message: `${skill}: ${root} holds more than ${maxFiles} files to read`,
        hint: 'name a smaller folder, or raise the payload\'s "max_files"',
      });
    }
    let bytes: Buffer;
    try {
      bytes = await ctx.fs.readFile(entry.path);
    } catch (error) {
      ctx.log.debug(`${skill}: unreadable file skipped`, { file: entry.path, error: String(error) });
      skipped.unreadable += 1;
      continue;
    }
    if (hasNul(bytes)) {
      skipped.binary += 1;
      continue;
    }
    total += bytes.byteLength;
    if (maxTotalBytes !== undefined && total > maxTotalBytes) {
      throw tooLarge(total, maxTotalBytes, `the files under ${root} hold at least`);
    }
    files.push({
      path: entry.path,
      relativePath: entry.relativePath,
      text: bytes.toString('utf8'),
      bytes: bytes.byteLength,
    });
  }
  if (files.length === 0) {
    throw new SkillInputError({
      code: 'SKILL_INPUT_EMPTY',
      skill,
      path: root,
      message: `${skill}: ${root} holds no text files to read`,
    });
  }
  return { root, directory: true, files, skipped, truncated };
}
