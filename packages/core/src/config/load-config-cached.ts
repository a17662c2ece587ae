import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../fs/write-file-atomic';
import { VERSION } from '../version';
import type { LoadConfigOptions, LoadedConfig } from './load-config';

// NOTE: packages/core/README.md ("Config cache") describes this file; keep both in sync.

declare const __CONFIG_SCHEMA_HASH__: string;

/** The schema fingerprint baked in at build time (see config-schema-hash.mjs); `dev` when not built. */
const SCHEMA_HASH = typeof __CONFIG_SCHEMA_HASH__ === 'string' ? __CONFIG_SCHEMA_HASH__ : 'dev';

/** Larger fleet.toml files are not cached (loadConfig refuses files over 1 MiB anyway). */
const MAX_CACHED_BYTES = 1024 * 1024;

/** Options of `loadConfigCached`. */
export interface LoadConfigCachedOptions {
  /** Path of fleet.toml. */
  file: string;
  /** Where the validated config is kept, e.g. `<home>/run/config-cache.json`. */
  cacheFile: string;
  /**
   * How a miss validates fleet.toml. Default: this package's `loadConfig`, imported only then. A bundle that
   * inlines `loadConfigCached` passes `(options) => import('@biged/core/config').then((core) =>
   * core.loadConfig(options))`, so that the miss loads the installed package rather than a copy.
   */
  loadConfig?: (options: LoadConfigOptions) => LoadedConfig | Promise<LoadedConfig>;
}

/** What the cache file holds. */
interface CacheEntry {
  /** The @biged/core version and the schema fingerprint that validated `source`. */
  version: string;
  schema: string;
  /** fleet.toml's text, compared exactly (no hash: hashing would load node:crypto, and its streams, at start). */
  source: string;
  config: LoadedConfig['config'];
  warnings: string[];
}

/**
 * `loadConfig` with a cache for start-up-critical commands (`biged status`): when `cacheFile` holds the
 * result for exactly the same fleet.toml text, validated by the same schema (its fingerprint is baked into
 * the build) and the same @biged/core version, that result is returned without loading smol-toml or zod.
 * Otherwise loadConfig runs (imported only then) and its result is cached, unless the file changed while it
 * was read. A missing, unreadable or damaged cache is a miss; a cache that cannot be written is ignored.
 * Errors are loadConfig's (nothing is cached for a file that fails).
 */
export async function loadConfigCached({
  file,
  cacheFile,
  loadConfig = async (options) => (await import('./load-config')).loadConfig(options),
}: LoadConfigCachedOptions): Promise<LoadedConfig> {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    // Missing or unreadable: loadConfig reports it (or uses the defaults).
  }
  const cacheable = text !== undefined && text.length <= MAX_CACHED_BYTES;
  if (cacheable) {
    try {
      const cached = JSON.parse(readFileSync(cacheFile, 'utf8')) as Partial<CacheEntry>;
      if (
        cached.source === text &&
        cached.version === VERSION &&
        cached.schema === SCHEMA_HASH &&
        cached.config &&
        Array.isArray(cached.warnings)
      ) {
        return { config: cached.config, file, warnings: cached.warnings };
      }
    } catch {
      // No cache yet, or a damaged one: validate.
    }
  }
  const loaded = await loadConfig({ file });
  if (cacheable) {
    try {
      // Only when fleet.toml is still the text that was validated.
      if (text !== undefined && readFileSync(file, 'utf8') === text) {
        mkdirSync(path.dirname(cacheFile), { recursive: true });
        const entry: CacheEntry = {
          version: VERSION,
          schema: SCHEMA_HASH,
          source: text,
          config: loaded.config,
          warnings: loaded.warnings,
        };
        writeFileAtomicSync(cacheFile, JSON.stringify(entry));
      }
    } catch {
      // A read-only home: no cache, same result.
    }
  }
  return loaded;
}
