import { defineLibraryConfig } from '@biged/tsup-config';
import type { Options } from 'tsup';
import { configSchemaHash } from './config-schema-hash.mjs';

const packageDirectory = new URL('.', import.meta.url);
const base = defineLibraryConfig(packageDirectory, {
  index: 'src/index.ts',
  'config/index': 'src/config/entry.ts',
  'startup/index': 'src/config/startup-entry.ts',
  'test/index': 'src/test/index.ts',
}) as Options;

export default {
  ...base,
  define: { ...base.define, __CONFIG_SCHEMA_HASH__: JSON.stringify(configSchemaHash(packageDirectory)) },
} satisfies Options;
