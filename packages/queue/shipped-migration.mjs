// The `when` (ms) of the newest SQLite migration in drizzle/meta/_journal.json, baked into the build as
// __QUEUE_SHIPPED_MIGRATION_MILLIS__: `openQueueReader` compares a file against it without finding and
// reading the migrations folder at run time (a bundle that inlines the reader, like the CLI's start-up
// bundle, has no folder next to it). Used by tsup.config.ts and vitest.config.ts.
import { readFileSync } from 'node:fs';

/** The newest journal entry's `when`, relative to `packageDirectoryUrl`; 0 when the journal lists none. */
export function shippedMigrationMillis(packageDirectoryUrl) {
  const journal = JSON.parse(
    readFileSync(new URL('drizzle/meta/_journal.json', packageDirectoryUrl), 'utf8'),
  );
  return Math.max(0, ...journal.entries.map((entry) => entry.when));
}
