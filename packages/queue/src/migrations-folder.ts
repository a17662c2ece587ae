import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';

declare const __QUEUE_SHIPPED_MIGRATION_MILLIS__: number | undefined;

// Drizzle-free helpers about the shipped migrations, shared by `openDatabase` (which applies them) and
// `openQueueReader` (which only reads a queue whose schema is already current).

/** The table Drizzle's migrator records applied migrations in (not Drizzle's default name). */
export const MIGRATIONS_TABLE = '__biged_queue_migrations';

/**
 * The shipped migrations folder. This file sits directly in `src/` (vitest) and is bundled into a chunk
 * directly in `dist/` or into an entry one folder down (`dist/read/`), so `../drizzle` or `../../drizzle`
 * is the package's `drizzle/` folder.
 */
export function migrationsFolder(): string {
  const candidates = [new URL('../drizzle', import.meta.url), new URL('../../drizzle', import.meta.url)];
  for (const candidate of candidates) {
    const folder = fileURLToPath(candidate);
    if (existsSync(path.join(folder, 'meta', '_journal.json'))) return folder;
  }
  return fileURLToPath(candidates[0]!);
}

/**
 * The `when` (ms) of the newest migration in `folder`'s journal: the value Drizzle's migrator stores as
 * `created_at` once it applied it (its `folderMillis`). 0 when the journal lists none.
 */
export function latestMigrationMillis(folder: string = migrationsFolder()): number {
  const journal = JSON.parse(readFileSync(path.join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { when: number }[];
  };
  return Math.max(0, ...journal.entries.map((entry) => entry.when));
}

/**
 * `latestMigrationMillis()` of the shipped migrations, baked into the build (shipped-migration.mjs), so that
 * readers need not find the migrations folder; read from the folder where nothing was baked in.
 */
export function shippedMigrationMillis(): number {
  return typeof __QUEUE_SHIPPED_MIGRATION_MILLIS__ === 'number'
    ? __QUEUE_SHIPPED_MIGRATION_MILLIS__
    : latestMigrationMillis();
}

/** The `created_at` of the newest migration applied to `sqlite` (0 when none was). */
export function appliedMigrationMillis(sqlite: Database.Database): number {
  const table = sqlite
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
    .get(MIGRATIONS_TABLE);
  if (!table) return 0;
  const row = sqlite.prepare(`SELECT max(created_at) AS latest FROM "${MIGRATIONS_TABLE}"`).get() as {
    latest: number | null;
  };
  return Number(row.latest ?? 0);
}
