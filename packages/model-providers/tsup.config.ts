import { defineLibraryConfig } from '@biged/tsup-config';

export default defineLibraryConfig(new URL('.', import.meta.url), {
  index: 'src/index.ts',
  'ollama/index': 'src/ollama/index.ts',
  'anthropic/index': 'src/anthropic/index.ts',
  'gemini/index': 'src/gemini/index.ts',
});
