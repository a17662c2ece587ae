import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { QueueError } from '../errors/queue-error';
import { MIGRATIONS_TABLE } from '../migrations-folder';
import { isConnectionError, safeLocation, unavailableError } from './pg-errors';

/**
 * The advisory lock key the migrations run under (any constant shared by every host: "bige" in ASCII).
 * Two hosts opening the same database at once migrate one after the other; the second finds nothing to do.
 */
export const MIGRATION_LOCK_KEY = 0x62_69_67_65;

/**
 * The shipped PostgreSQL migrations folder (`drizzle-postgres/` beside `drizzle/`). This file is bundled
 * into a chunk directly in `dist/` or into an entry one folder down (`dist/postgres/`), and sits two folders
 * down in `src/postgres/` under vitest, so one of these is the package's folder.
 */
export function postgresMigrationsFolder(): string {
  const candidates = ['../drizzle-postgres', '../../drizzle-postgres'].map((relative) =>
    fileURLToPath(new URL(relative, import.meta.url)),
  );
  for (const folder of candidates) {
    if (existsSync(path.join(folder, 'meta', '_journal.json'))) return folder;
  }
  return candidates[0] as string;
}

/**
 * Applies the shipped PostgreSQL migrations to the database at `url` (creating the tables on an empty
 * database), holding `pg_advisory_lock(MIGRATION_LOCK_KEY)` meanwhile so that concurrent callers (several
 * hosts starting at once) never migrate twice. Idempotent. `createPostgresStore` calls it on open.
 *
 * Throws `QueueError` `QUEUE_DB_UNAVAILABLE` (the server cannot be reached) or `QUEUE_DB_OPEN_FAILED`
 * (a migration failed; `file` is the URL without its password).
 */
export async function migratePostgres(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {
    // A connection lost while migrating surfaces as the failed query below.
  });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw isConnectionError(error) ? unavailableError(url, error) : openFailed(url, error);
  }
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await migrate(drizzle({ client }), {
      migrationsFolder: postgresMigrationsFolder(),
      migrationsTable: MIGRATIONS_TABLE,
      migrationsSchema: 'public',
    });
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  } catch (error) {
    throw isConnectionError(error) ? unavailableError(url, error) : openFailed(url, error);
  } finally {
    // Ending the session also releases the advisory lock when a migration failed half-way.
    await client.end().catch(() => {});
  }
}

function openFailed(url: string, cause: unknown): QueueError {
  return new QueueError({
    code: 'QUEUE_DB_OPEN_FAILED',
    file: safeLocation(url),
    message: `cannot migrate the PostgreSQL queue at ${safeLocation(url)}: ${(cause as Error)?.message ?? String(cause)}`,
    hint: 'check that the [queue] url user may create tables in that database',
    cause,
  });
}
