import { defineLibraryConfig } from '@biged/tsup-config';

export default defineLibraryConfig(new URL('.', import.meta.url), {
  index: 'src/index.ts',
  'internal/index': 'src/internal/index.ts',
  'read/index': 'src/read-entry.ts',
  'postgres/index': 'src/postgres/index.ts',
  'postgres-testing/index': 'src/postgres/testing.ts',
});
