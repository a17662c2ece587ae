import { existsSync, readFileSync, statSync } from 'node:fs';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError, type ConfigIssue } from '../errors/config-error';
import { type FleetConfig, fleetConfigSchema } from './fleet-config-schema';
import { findUnknownKeys } from './unknown-keys';

/** What `loadConfig` returns. */
export interface LoadedConfig {
  /** The validated config, defaults applied. */
  config: FleetConfig;
  /** The file read, or undefined when none existed and defaults were used. */
  file: string | undefined;
  /** One line per key this version does not know (the key is ignored, not an error). */
  warnings: string[];
}

/** Options for `loadConfig`. */
export interface LoadConfigOptions {
  /** Path of fleet.toml. */
  file: string;
  /** When true (default), a missing file yields the defaults instead of `CONFIG_NOT_FOUND`. */
  allowMissing?: boolean;
}

/** Largest fleet.toml read: 1 MiB (a real one is a few KiB). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const describe = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(typeof value);
  } catch {
    text = typeof value === 'bigint' ? `${value}n` : Object.prototype.toString.call(value);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const valueAt = (root: unknown, path: PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (node, key) =>
      node != null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined,
    root,
  );

/** Validates an already-parsed TOML document. Throws `ConfigError` (`CONFIG_INVALID`) listing every issue. */
export function parseFleetConfig(raw: unknown, file = 'fleet.toml'): Omit<LoadedConfig, 'file'> {
  const result = fleetConfigSchema.safeParse(raw);
  if (!result.success) {
    const issues: ConfigIssue[] = result.error.issues.map((issue) => ({
      key: issue.path.map(String).join('.'),
      expected: issue.message.replace(/^Invalid input: /, '').replace(/^expected /, ''),
      received: describe(valueAt(raw, issue.path)),
    }));
    throw new ConfigError({ code: 'CONFIG_INVALID', file, issues });
  }
  const warnings = findUnknownKeys(fleetConfigSchema, raw).map(
    (key) => `${file}: unknown key "${key}" ignored (not used by this version of BigEd)`,
  );
  return { config: result.data, warnings };
}

/**
 * Reads, parses and validates fleet.toml. Errors name the file, the key and what was expected. A file over
 * `MAX_CONFIG_BYTES` (1 MiB) is refused with `CONFIG_TOO_LARGE` before it is read.
 */
export function loadConfig({ file, allowMissing = true }: LoadConfigOptions): LoadedConfig {
  if (!existsSync(file)) {
    if (!allowMissing) {
      throw new ConfigError({
        code: 'CONFIG_NOT_FOUND',
        file,
        message: `${file} does not exist`,
      });
    }
    return { ...parseFleetConfig({}, file), file: undefined };
  }
  const size = statSync(file).size;
  if (size > MAX_CONFIG_BYTES) {
    throw new ConfigError({
      code: 'CONFIG_TOO_LARGE',
      file,
      message: `${file} is ${size} bytes; the limit is ${MAX_CONFIG_BYTES} bytes`,
    });
  }
  let raw: unknown;
  try {
    raw = parseToml(readFileSync(file, 'utf8'));
  } catch (error) {
    const where = error instanceof TomlError ? ` at line ${error.line}, column ${error.column}` : '';
    const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError({
      code: 'CONFIG_PARSE_FAILED',
      file,
      message: `${file} is not valid TOML${where}: ${reason}`,
      cause: error,
    });
  }
  return { ...parseFleetConfig(raw, file), file };
}
