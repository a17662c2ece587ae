import path from 'node:path';

/**
 * Payload keys that name files or directories (`code_index {"path": "."}`). A relative path there means
 * "relative to where I typed the command", but the worker runs elsewhere, so submitters make them absolute
 * and the worker lets the skill read inside them.
 */
export const PAYLOAD_PATH_KEYS = ['path', 'paths', 'dir', 'root', 'file', 'files'] as const;

const mapPaths = (value: unknown, map: (item: string) => string): unknown => {
  if (typeof value === 'string' && value.length > 0) return map(value);
  if (Array.isArray(value))
    return value.map((item) => (typeof item === 'string' && item.length > 0 ? map(item) : item));
  return value;
};

/** A copy of `payload` whose path keys (`PAYLOAD_PATH_KEYS`, top level) are absolute, resolved against `cwd`. */
export function resolvePayloadPaths(payload: Record<string, unknown>, cwd: string): Record<string, unknown> {
  const resolved = { ...payload };
  for (const key of PAYLOAD_PATH_KEYS) {
    if (key in resolved) resolved[key] = mapPaths(resolved[key], (item) => path.resolve(cwd, item));
  }
  return resolved;
}

/** The absolute paths a payload names under `PAYLOAD_PATH_KEYS` (relative ones are skipped: not resolvable here). */
export function payloadPaths(payload: Record<string, unknown>): string[] {
  const found: string[] = [];
  for (const key of PAYLOAD_PATH_KEYS) {
    mapPaths(payload[key], (item) => {
      if (path.isAbsolute(item)) found.push(path.normalize(item));
      return item;
    });
  }
  return found;
}
