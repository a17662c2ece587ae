import { describe, expect, it } from 'vitest';
import { latestMigrationMillis, migrationsFolder, shippedMigrationMillis } from './migrations-folder';

describe('shippedMigrationMillis', () => {
  it('is the newest migration of the shipped folder, as openDatabase applies it', () => {
    // The build bakes the value in (shipped-migration.mjs); it must be what the journal says, else a current
    // queue would read as outdated (slow path) or an outdated one as current (missing columns).
    expect(shippedMigrationMillis()).toBe(latestMigrationMillis(migrationsFolder()));
    expect(shippedMigrationMillis()).toBeGreaterThan(Date.UTC(2026, 0, 1));
  });
});
