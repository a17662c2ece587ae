// The fingerprint of the code that turns fleet.toml into a FleetConfig, baked into the build as
// __CONFIG_SCHEMA_HASH__: `loadConfigCached` (src/config/load-config-cached.ts) trusts a cached config only
// when it was made by the same schema. Used by tsup.config.ts and vitest.config.ts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const SOURCES = [
  'src/config/fleet-config-schema.ts',
  'src/config/unknown-keys.ts',
  'src/config/load-config.ts',
];

/** sha256 (16 hex digits) over the schema sources, relative to `packageDirectoryUrl`. */
export function configSchemaHash(packageDirectoryUrl) {
  const hash = createHash('sha256');
  for (const source of SOURCES) hash.update(readFileSync(new URL(source, packageDirectoryUrl)));
  return hash.digest('hex').slice(0, 16);
}
