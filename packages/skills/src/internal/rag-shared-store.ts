import { statSync } from 'node:fs';
import { createRagStore, type RagStore } from '../rag-store';

/** How long an unused shared store stays open, in ms. */
export const RAG_SHARED_STORE_IDLE_MS = 5 * 60 * 1000;

interface Entry {
  store: RagStore;
  timer: NodeJS.Timeout;
  /** The file's identity when it was opened: a replaced rag.db (restored from a backup) is reopened. */
  identity: string;
}

const identityOf = (file: string) => {
  const stats = statSync(file, { throwIfNoEntry: false });
  return stats ? `${stats.dev}:${stats.ino}` : 'missing';
};

const open = new Map<string, Entry>();

/**
 * The RAG store for `file`, kept open between `rag_query` tasks of this process (a worker runs many). A
 * query on a connection that has already scanned the vectors reads them from its memory map; opening the
 * file for every task would pay for mapping and reading every page again (about 4x the query itself at
 * 100k chunks, see perf/rag-perf.mjs). Closed after `RAG_SHARED_STORE_IDLE_MS` without use; the timer does
 * not keep the process alive. Readers see other connections' commits (WAL), so an ingest running
 * elsewhere is picked up by the next query. A file replaced since it was opened (another inode) is reopened.
 */
export function sharedRagStore(file: string, skill: string): RagStore {
  const existing = open.get(file);
  if (existing && existing.identity === identityOf(file)) {
    existing.timer.refresh();
    return existing.store;
  }
  closeSharedRagStore(file);
  const store = createRagStore({ file, skill });
  const timer = setTimeout(() => closeSharedRagStore(file), RAG_SHARED_STORE_IDLE_MS);
  timer.unref();
  open.set(file, { store, timer, identity: identityOf(file) });
  return store;
}

/** Closes the shared store of `file`, if one is open (after an error, so the next task starts afresh). */
export function closeSharedRagStore(file: string): void {
  const entry = open.get(file);
  if (!entry) return;
  open.delete(file);
  clearTimeout(entry.timer);
  entry.store.close();
}
