import { closeSync, openSync, readSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { type BusyRetry, corruptError, createBusyRetry, isCorruptError } from './busy-retry';
import { QueueError } from './errors/queue-error';
import { appliedMigrationMillis, MIGRATIONS_TABLE, migrationsFolder } from './migrations-folder';
import * as schema from './schema';

export { MIGRATIONS_TABLE, migrationsFolder } from './migrations-folder';

const SQLITE_HEADER = 'SQLite format 3\0';

/** The database handle and helpers `createQueue` builds on. */
export interface OpenedDatabase {
  /** The better-sqlite3 connection (busy_timeout 0: contention is handled by `retry`). */
  sqlite: Database.Database;
  /** Drizzle over the same connection, for the non-hot queries. */
  orm: ReturnType<typeof drizzle<typeof schema>>;
  /** Retries an operation on SQLITE_BUSY; see `createBusyRetry`. */
  retry: BusyRetry;
}

/**
 * Opens (creating if needed) the queue database: checks the file really is SQLite before SQLite touches
 * it, sets WAL + synchronous=NORMAL, applies pending migrations with Drizzle's migrator (foreign keys off
 * meanwhile, as SQLite's table-rebuild recipe asks), then turns foreign keys on.
 * Throws `QueueError` with `QUEUE_DB_CORRUPT`, `QUEUE_DB_LOCKED` or `QUEUE_DB_OPEN_FAILED`.
 */
export function openDatabase({
  file,
  busyTimeoutMs,
}: {
  file: string;
  busyTimeoutMs: number;
}): OpenedDatabase {
  const inMemory = file === ':memory:' || file === '';
  if (!inMemory) assertSqliteHeader(file);

  let sqlite: Database.Database;
  try {
    // timeout 0: SQLite's busy handler never sleeps; `retry` below does the waiting (see busy-retry.ts).
    sqlite = new Database(file, { timeout: 0 });
  } catch (error) {
    if (isCorruptError(error)) throw corruptError(file, error);
    throw openFailed(file, error);
  }
  const retry = createBusyRetry({ file, timeoutMs: busyTimeoutMs });
  try {
    retry(() => {
      // Reading the schema first fails with SQLITE_NOTADB / SQLITE_CORRUPT before any write is attempted.
      sqlite.prepare('SELECT count(*) FROM sqlite_master').get();
      if (!inMemory && sqlite.pragma('journal_mode', { simple: true }) !== 'wal') {
        sqlite.pragma('journal_mode = WAL');
      }
    });
    sqlite.pragma('synchronous = NORMAL');
    const orm = drizzle({ client: sqlite, schema });
    // Foreign keys stay off while migrating: a migration that rebuilds a table (SQLite cannot change a
    // CHECK in place) drops the old one, and with enforcement on that DROP would fire parent_id's ON DELETE
    // SET NULL on the copy. The pragma is a no-op inside the migrator's transaction, so it is set here.
    sqlite.pragma('foreign_keys = OFF');
    if (applyMigrations(sqlite, orm, retry)) {
      const broken = sqlite.pragma('foreign_key_check') as unknown[];
      if (broken.length > 0) throw new Error(`migration left ${broken.length} broken foreign key(s)`);
    }
    sqlite.pragma('foreign_keys = ON');
    return { sqlite, orm, retry };
  } catch (error) {
    sqlite.close();
    if (QueueError.isInstance(error)) throw error;
    if (isCorruptError(error)) throw corruptError(file, error);
    throw openFailed(file, error);
  }
}

/** Applies pending migrations; true when this connection applied any. */
function applyMigrations(sqlite: Database.Database, orm: OpenedDatabase['orm'], retry: BusyRetry): boolean {
  const folder = migrationsFolder();
  const migrations = readMigrationFiles({ migrationsFolder: folder });
  const latest = Math.max(0, ...migrations.map((migration) => migration.folderMillis));
  const appliedUpTo = (): number => appliedMigrationMillis(sqlite);
  return retry(() => {
    if (appliedUpTo() >= latest) return false;
    try {
      migrate(orm, { migrationsFolder: folder, migrationsTable: MIGRATIONS_TABLE });
      return true;
    } catch (error) {
      // Several processes may open a fresh file at once. Drizzle's migrator reads the applied list before
      // its (deferred) BEGIN, so the loser fails with SQLITE_BUSY (retried) or "table already exists"
      // once the winner has committed; either way the schema is now current.
      if (appliedUpTo() >= latest) return false;
      throw error;
    }
  });
}

/** Refuses a non-empty file that does not start with the SQLite header, before SQLite opens it. */
function assertSqliteHeader(file: string): void {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return; // missing: SQLite creates it (or reports why it cannot)
  }
  if (size === 0) return; // an empty file is an empty database
  const header = Buffer.alloc(SQLITE_HEADER.length);
  let descriptor: number | undefined;
  try {
    descriptor = openSync(file, 'r');
    readSync(descriptor, header, 0, header.length, 0);
  } catch (error) {
    throw openFailed(file, error);
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
  if (header.toString('latin1') !== SQLITE_HEADER) throw corruptError(file);
}

function openFailed(file: string, cause: unknown): QueueError {
  return new QueueError({
    code: 'QUEUE_DB_OPEN_FAILED',
    file,
    cause,
    message: `could not open the queue database ${file}: ${(cause as Error)?.message ?? String(cause)}`,
    hint: 'check that the directory exists and is writable (biged init creates the fleet home)',
  });
}
