import { createHash, timingSafeEqual } from 'node:crypto';
import { chmod, lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Parser, type ReadEntry, Unpack } from 'tar';
import { HubError } from './errors/hub-error';
import { MODULE_MANIFEST_FILE } from './module-manifest';

// A module bundle is a tar or tar.gz whose root holds module.json and the module's files. Everything in it
// is checked before a byte is extracted: regular files and folders only (no links, devices or FIFOs),
// relative paths without `..`, bounded in count and size. Extraction goes to a staging folder outside
// modules/; the caller moves the folder into place only once all checks passed.

/** The SHA-256 of `bytes`, as 64 lower-case hex digits. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const HEX_64 = /^[0-9a-f]{64}$/;

/**
 * True when `expected` (as published: hex, any case, surrounding blanks ignored) is exactly the SHA-256
 * `actual`. Compared in constant time; anything that is not 64 hex digits never matches.
 */
export function checksumMatches(expected: string, actual: string): boolean {
  const left = expected.trim().toLowerCase();
  const right = actual.toLowerCase();
  if (!HEX_64.test(left) || !HEX_64.test(right)) return false;
  const a = Buffer.from(left, 'utf8');
  const b = Buffer.from(right, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Limits on what a bundle may unpack to. */
export interface BundleLimits {
  /** Largest total of file sizes (and of the decompressed tar), in bytes. */
  maxUnpackedBytes: number;
  /** Most entries (files and folders). */
  maxEntries: number;
}

/** What a bundle holds, once checked. */
export interface BundleListing {
  /** Every file path, normalised (no `./`), in archive order. */
  files: string[];
  /** Sum of the file sizes in bytes. */
  unpackedBytes: number;
}

const ALLOWED_TYPES = new Set(['File', 'OldFile', 'ContiguousFile', 'Directory']);
const MAX_PATH_LENGTH = 1024;
const MAX_DEPTH = 32;

const unsafe = (entry: string, message: string) =>
  new HubError({
    code: 'HUB_UNSAFE_ARCHIVE',
    entry,
    message: `refused bundle: entry ${JSON.stringify(entry)} ${message}`,
    hint: 'a module bundle holds plain files and folders under its root, nothing else',
  });

/** Normalises an archive path, or throws `HUB_UNSAFE_ARCHIVE` when it could land outside the target. */
export function safeEntryPath(raw: string): string {
  if (raw.includes('\0')) throw unsafe(raw, 'contains a NUL byte');
  if (raw.includes('\\')) throw unsafe(raw, 'contains a backslash');
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) throw unsafe(raw, 'is an absolute path');
  if (raw.length > MAX_PATH_LENGTH)
    throw unsafe(raw.slice(0, 80), `is longer than ${MAX_PATH_LENGTH} characters`);
  const segments = raw.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.includes('..')) throw unsafe(raw, 'contains ".." (it would escape the module folder)');
  if (segments.length > MAX_DEPTH) throw unsafe(raw, `is nested deeper than ${MAX_DEPTH} folders`);
  return segments.join('/');
}

/** The bundle as a plain tar: gunzipped (bounded) when gzip, refused when neither tar nor gzip. */
export function toTar(bytes: Buffer, limits: BundleLimits): Buffer {
  let tar = bytes;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // Bounded, so a gzip bomb stops at the limit instead of filling memory.
      tar = gunzipSync(bytes, { maxOutputLength: limits.maxUnpackedBytes + 1024 * 1024 });
    } catch (error) {
      const tooLarge =
        (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError;
      throw new HubError({
        code: tooLarge ? 'HUB_BUNDLE_TOO_LARGE' : 'HUB_BAD_ARCHIVE',
        message: tooLarge
          ? `refused bundle: it unpacks to more than ${limits.maxUnpackedBytes} bytes`
          : `refused bundle: the gzip data is damaged (${(error as Error).message})`,
        cause: error,
      });
    }
  }
  // A tar header has "ustar" at offset 257 (POSIX and GNU formats alike).
  if (tar.length < 512 || tar.subarray(257, 262).toString('latin1') !== 'ustar') {
    throw new HubError({ code: 'HUB_BAD_ARCHIVE', message: 'refused bundle: not a tar or tar.gz archive' });
  }
  return tar;
}

/**
 * Reads every entry header of a plain tar and checks it (see the notes at the top of this file). Throws
 * `HUB_UNSAFE_ARCHIVE` (naming the entry), `HUB_BUNDLE_TOO_LARGE`, `HUB_BAD_ARCHIVE` (unreadable, or no
 * module.json at the root); nothing is written.
 */
export async function listBundle(tar: Buffer, limits: BundleLimits): Promise<BundleListing> {
  const files: string[] = [];
  const seen = new Set<string>();
  let unpackedBytes = 0;
  let entries = 0;
  let failure: Error | undefined;
  const check = (entry: ReadEntry) => {
    const raw = entry.path;
    if (!ALLOWED_TYPES.has(entry.type)) {
      const what =
        entry.type === 'SymbolicLink' || entry.type === 'Link'
          ? `is a ${entry.type === 'Link' ? 'hard' : 'symbolic'} link (to ${JSON.stringify(entry.linkpath ?? '')}); links are not allowed`
          : `is a ${entry.type} entry; only files and folders are allowed`;
      throw unsafe(raw, what);
    }
    const normalised = safeEntryPath(raw);
    entries += 1;
    if (entries > limits.maxEntries) {
      throw new HubError({
        code: 'HUB_BUNDLE_TOO_LARGE',
        message: `refused bundle: more than ${limits.maxEntries} entries`,
      });
    }
    if (entry.type === 'Directory') return;
    if (normalised === '') throw unsafe(raw, 'is a file without a name');
    if (seen.has(normalised)) throw unsafe(raw, 'appears twice');
    seen.add(normalised);
    unpackedBytes += entry.size ?? 0;
    if (unpackedBytes > limits.maxUnpackedBytes) {
      throw new HubError({
        code: 'HUB_BUNDLE_TOO_LARGE',
        message: `refused bundle: its files add up to more than ${limits.maxUnpackedBytes} bytes`,
      });
    }
    files.push(normalised);
  };
  await new Promise<void>((resolve, reject) => {
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        if (!failure) {
          try {
            check(entry);
          } catch (error) {
            failure = error as Error;
          }
        }
        entry.resume();
      },
    });
    parser.on('error', (error: Error) => {
      failure ??= new HubError({
        code: 'HUB_BAD_ARCHIVE',
        message: `refused bundle: the tar data is damaged (${error.message})`,
        cause: error,
      });
    });
    parser.on('close', () => (failure ? reject(failure) : resolve()));
    parser.end(tar);
  });
  if (!files.includes(MODULE_MANIFEST_FILE)) {
    throw new HubError({
      code: 'HUB_BAD_ARCHIVE',
      message: `refused bundle: no ${MODULE_MANIFEST_FILE} at its root`,
      hint: "pack the module folder's contents (tar -czf crm.tgz -C crm .), not the folder itself",
    });
  }
  return { files, unpackedBytes };
}

/**
 * Extracts a plain tar that `listBundle` accepted into `dir` (which must exist and be empty), then walks
 * the result: anything that is not a plain file or folder fails the extraction, files become 0644 and
 * folders 0755 (no set-uid bits or executables survive).
 */
export async function extractBundle(tar: Buffer, dir: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let failure: Error | undefined;
    const unpack = new Unpack({
      cwd: dir,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
      noMtime: true,
      // listBundle refused everything else already; this is a second lock on the same door.
      filter: (_path: string, entry: unknown) => ALLOWED_TYPES.has((entry as ReadEntry).type),
    });
    unpack.on('error', (error: Error) => {
      failure ??= error;
    });
    unpack.on('close', () =>
      failure
        ? reject(
            new HubError({
              code: 'HUB_BAD_ARCHIVE',
              message: `extracting the bundle failed: ${failure.message}`,
              cause: failure,
            }),
          )
        : resolve(),
    );
    unpack.end(tar);
  });
  const walk = async (folder: string): Promise<void> => {
    for (const item of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, item.name);
      const stats = await lstat(full);
      if (stats.isDirectory()) {
        await chmod(full, 0o755);
        await walk(full);
      } else if (stats.isFile()) {
        await chmod(full, 0o644);
      } else {
        throw unsafe(path.relative(dir, full), 'was extracted as something other than a file or folder');
      }
    }
  };
  await walk(dir);
}
