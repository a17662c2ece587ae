import { defineLibraryConfig } from '@biged/tsup-config';
import type { Options } from 'tsup';
import { shippedMigrationMillis } from './shipped-migration.mjs';

const packageDirectory = new URL('.', import.meta.url);
const base = defineLibraryConfig(packageDirectory, {
  index: 'src/index.ts',
  'internal/index': 'src/internal/index.ts',
  'read/index': 'src/read-entry.ts',
  'postgres/index': 'src/postgres/index.ts',
  'postgres-testing/index': 'src/postgres/testing.ts',
}) as Options;

export default {
  ...base,
  define: {
    ...base.define,
    __QUEUE_SHIPPED_MIGRATION_MILLIS__: JSON.stringify(shippedMigrationMillis(packageDirectory)),
  },
} satisfies Options;
