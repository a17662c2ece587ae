import { defineLibraryConfig } from '@biged/tsup-config';

export default defineLibraryConfig(new URL('.', import.meta.url), {
  index: 'src/index.ts',
});
