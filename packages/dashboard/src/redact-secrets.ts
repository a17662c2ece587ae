/** Keys whose values are never sent: anything that looks like a key, token, secret or password. */
export const SECRET_KEY_NAME = /key|token|secret|password/i;

/** What replaces a redacted value. */
export const REDACTED = '[redacted]';

/**
 * A deep copy of `value` in which every value under a key matching {@link SECRET_KEY_NAME} is
 * replaced by `'[redacted]'` (objects included: a whole `publisher_keys` table goes).
 */
export function redactSecrets<T>(value: T): T {
  return redact(value) as T;
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = SECRET_KEY_NAME.test(key) ? REDACTED : redact(inner);
    }
    return out;
  }
  return value;
}
