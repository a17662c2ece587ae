import { defineConfig } from 'vitest/config';
import { configSchemaHash } from './config-schema-hash.mjs';

export default defineConfig({
  define: {
    __PACKAGE_VERSION__: JSON.stringify('0.0.0-test'),
    __CONFIG_SCHEMA_HASH__: JSON.stringify(configSchemaHash(new URL('.', import.meta.url))),
  },
  test: { include: ['src/**/*.test.ts'], testTimeout: 30_000 },
});
