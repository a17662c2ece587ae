import { defineLibraryConfig } from '@biged/tsup-config';

export default defineLibraryConfig(new URL('.', import.meta.url), {
  index: 'src/index.ts',
  'config/index': 'src/config/entry.ts',
  'test/index': 'src/test/index.ts',
});
