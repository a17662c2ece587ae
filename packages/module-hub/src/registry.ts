import { MODULE_NAME_PATTERN, MODULE_VERSION_PATTERN } from '@biged/module-sdk';
import { z } from 'zod';
import type { HubErrorCode } from './errors/hub-error';

// NOTE: docs/architecture.md ("Modules") documents registry.json; keep the two in sync.

/** One module in registry.json, as the hub accepts it. */
export const registryEntrySchema = z.object({
  /** The module name (`/^[a-z][a-z0-9_-]{0,63}$/`). */
  name: z.string().regex(MODULE_NAME_PATTERN, 'a module name (/^[a-z][a-z0-9_-]{0,63}$/)'),
  /** The version the bundle holds. */
  version: z.string().regex(MODULE_VERSION_PATTERN, 'a version such as "1.2.0"'),
  /** One line about the module. */
  description: z.string().max(1000).default(''),
  /** The bundle (tar or tar.gz): absolute http(s) URL, or relative to registry.json. */
  url: z.string().min(1).max(2048),
  /** SHA-256 of the bundle, 64 hex digits. Required: an entry without one is refused. */
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, '64 hex digits'),
  /** The oldest @biged/module-sdk the module works with. */
  min_sdk_version: z.string().regex(MODULE_VERSION_PATTERN, 'a version such as "0.1.0"').optional(),
  /** Base64 ed25519 signature of the bundle bytes by a publisher key. */
  signature: z.string().min(1).max(200).optional(),
});

/** A registry entry the hub accepted. */
export type RegistryEntry = z.output<typeof registryEntrySchema>;

/** A registry entry the hub refused, with why. */
export interface RefusedRegistryEntry {
  /** The registry it came from. */
  source: string;
  /** Its position in the registry's list. */
  index: number;
  /** Its `name`, when it had a string one. */
  name: string | undefined;
  /** `HUB_CHECKSUM_MISSING` for a missing or empty sha256, else `HUB_ENTRY_REFUSED`. */
  code: Extract<HubErrorCode, 'HUB_CHECKSUM_MISSING' | 'HUB_ENTRY_REFUSED'>;
  /** Why, in one line. */
  reason: string;
}

/** A parsed registry: the entries accepted and the ones refused. */
export interface ParsedRegistry {
  /** Accepted entries, in registry order. */
  entries: RegistryEntry[];
  /** Refused entries (malformed, no checksum, duplicate name), each with its reason. */
  refused: RefusedRegistryEntry[];
}

/**
 * Validates a registry document: `{ "modules": [entry, ...] }` or a bare `[entry, ...]`. Each entry is
 * checked on its own: a bad one is refused with a reason and the rest are still listed. Returns
 * `undefined` when the document itself has no list of entries.
 */
export function parseRegistry(document: unknown, source: string): ParsedRegistry | undefined {
  const list = Array.isArray(document)
    ? document
    : document != null &&
        typeof document === 'object' &&
        Array.isArray((document as { modules?: unknown }).modules)
      ? ((document as { modules: unknown[] }).modules as unknown[])
      : undefined;
  if (!list) return undefined;
  const entries: RegistryEntry[] = [];
  const refused: RefusedRegistryEntry[] = [];
  const names = new Set<string>();
  list.forEach((raw, index) => {
    const name =
      raw != null && typeof raw === 'object' && typeof (raw as { name?: unknown }).name === 'string'
        ? (raw as { name: string }).name
        : undefined;
    const refuse = (code: RefusedRegistryEntry['code'], reason: string) =>
      refused.push({ source, index, name, code, reason });
    if (raw == null || typeof raw !== 'object' || Array.isArray(raw)) {
      refuse('HUB_ENTRY_REFUSED', 'an entry must be an object');
      return;
    }
    const sha256 = (raw as { sha256?: unknown }).sha256;
    if (sha256 === undefined || sha256 === null || (typeof sha256 === 'string' && sha256.trim() === '')) {
      refuse('HUB_CHECKSUM_MISSING', 'no sha256: every module must publish the SHA-256 of its bundle');
      return;
    }
    const result = registryEntrySchema.safeParse(raw);
    if (!result.success) {
      refuse(
        'HUB_ENTRY_REFUSED',
        result.error.issues
          .map((issue) => `${issue.path.join('.') || '(entry)'}: ${issue.message}`)
          .join('; '),
      );
      return;
    }
    if (names.has(result.data.name)) {
      refuse('HUB_ENTRY_REFUSED', `a second entry named "${result.data.name}" (the first one is used)`);
      return;
    }
    names.add(result.data.name);
    entries.push({ ...result.data, sha256: result.data.sha256.toLowerCase() });
  });
  return { entries, refused };
}
