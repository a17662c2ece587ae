/** What `collectGarbage` did. */
export interface GarbageCollection {
  /** False when `global.gc` is not exposed (Node started without `--expose-gc`): nothing was done. */
  ran: boolean;
  /** Resident memory before and after, MiB (one decimal). */
  rssBeforeMb: number;
  rssAfterMb: number;
}

const rssMb = () => Math.round((process.memoryUsage.rss() / 1024 / 1024) * 10) / 10;

/**
 * A worker's answer to a `{ "type": "gc" }` message (sent by the `memory_optimizer` skill's `optimize`):
 * a full collection through `global.gc` when the process exposes it, else nothing. Never throws.
 *
 * @param gc The collector. Default `globalThis.gc` (present only under `--expose-gc`).
 */
export function collectGarbage(gc: (() => void) | undefined = globalThis.gc): GarbageCollection {
  const rssBeforeMb = rssMb();
  if (typeof gc !== 'function') return { ran: false, rssBeforeMb, rssAfterMb: rssBeforeMb };
  try {
    gc();
  } catch {
    return { ran: false, rssBeforeMb, rssAfterMb: rssMb() };
  }
  return { ran: true, rssBeforeMb, rssAfterMb: rssMb() };
}
