import { defineConfig } from 'vitest/config';
import { shippedMigrationMillis } from './shipped-migration.mjs';

export default defineConfig({
  define: {
    __PACKAGE_VERSION__: JSON.stringify('0.0.0-test'),
    __QUEUE_SHIPPED_MIGRATION_MILLIS__: JSON.stringify(shippedMigrationMillis(new URL('.', import.meta.url))),
  },
  test: { include: ['src/**/*.test.ts'], testTimeout: 30_000 },
});
