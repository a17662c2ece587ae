import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';

/** Options for `writeFileAtomic` and `writeFileAtomicSync`. */
export interface WriteFileAtomicOptions {
  /** Mode of a newly written file. Default `0o666` less the umask (Node's default). */
  mode?: number;
  /** Create the parent folders first. Default `true`. */
  mkdir?: boolean;
  /** fsync the data before the rename, so a crash cannot leave an empty file behind. Default `false`. */
  fsync?: boolean;
}

let sequence = 0;
/** A temp name beside `file`, unique per process and call (two writes in flight never share one). */
const tempNameFor = (file: string) => {
  sequence += 1;
  return `${file}.${process.pid}.${sequence}.tmp`;
};

/**
 * Replaces `file` with `data` atomically: the data goes to a temp file in the same folder, which is then
 * renamed over the target, so a concurrent reader sees the old content or the new, never half of it. On
 * failure the temp file is removed and the error is rethrown.
 */
export function writeFileAtomicSync(
  file: string,
  data: string | Uint8Array,
  { mode, mkdir: makeParents = true, fsync = false }: WriteFileAtomicOptions = {},
): void {
  if (makeParents) mkdirSync(path.dirname(file), { recursive: true });
  const temp = tempNameFor(file);
  try {
    const descriptor = openSync(temp, 'w', mode);
    try {
      writeSync(descriptor, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
      if (fsync) fsyncSync(descriptor);
    } finally {
      closeSync(descriptor);
    }
    renameSync(temp, file);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
}

/** The asynchronous `writeFileAtomicSync`, for callers on an event loop that must not block. */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  { mode, mkdir: makeParents = true, fsync = false }: WriteFileAtomicOptions = {},
): Promise<void> {
  if (makeParents) await mkdir(path.dirname(file), { recursive: true });
  const temp = tempNameFor(file);
  try {
    const handle = await open(temp, 'w', mode);
    try {
      await handle.writeFile(data);
      if (fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}
