import type { z } from 'zod';

interface ZodDef {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
}

const defOf = (schema: z.ZodType): ZodDef => (schema as unknown as { _zod: { def: ZodDef } })._zod.def;

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value != null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date);

/**
 * Lists the dotted keys in `value` that `schema` does not declare. An unknown table counts once
 * (its keys are not listed again). Records and `catchall` objects accept any key.
 */
export function findUnknownKeys(schema: z.ZodType, value: unknown, prefix = ''): string[] {
  const unknown: string[] = [];
  const def = defOf(unwrap(schema));
  if (!isPlainObject(value)) return unknown;
  if (def.type === 'record') return unknown;
  if (def.type !== 'object' || !def.shape) return unknown;
  for (const [key, child] of Object.entries(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    // Own keys only: `valueOf`, `constructor` or `__proto__` in fleet.toml must not reach Object.prototype.
    const known = Object.hasOwn(def.shape, key) ? def.shape[key] : undefined;
    if (known) unknown.push(...findUnknownKeys(known, child, path));
    else if (def.catchall && defOf(def.catchall).type !== 'unknown') continue;
    else unknown.push(path);
  }
  return unknown;
}
