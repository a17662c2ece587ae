import { PayloadError } from '../errors/payload-error';

/** The default largest payload: 1 MiB of UTF-8 JSON (`[queue] max_payload_bytes`). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Options for `parsePayload`. */
export interface ParsePayloadOptions {
  /** Largest accepted size in bytes. Default 1 MiB. */
  maxBytes?: number;
  /** Skill name, for the error message. */
  skill?: string;
}

/**
 * Parses and checks a task payload given as JSON text (or an already-parsed value): it must be a
 * JSON object no larger than `maxBytes`. Throws `PayloadError` with a message that says what to fix.
 */
export function parsePayload(
  input: string | unknown,
  { maxBytes = DEFAULT_MAX_PAYLOAD_BYTES, skill }: ParsePayloadOptions = {},
): Record<string, unknown> {
  let text: string | undefined;
  try {
    text = typeof input === 'string' ? input : JSON.stringify(input ?? {});
  } catch (error) {
    throw new PayloadError({
      code: 'PAYLOAD_INVALID_JSON',
      skill,
      message: `payload cannot be written as JSON: ${(error as Error).message}`,
      cause: error,
    });
  }
  if (text === undefined) {
    throw new PayloadError({
      code: 'PAYLOAD_NOT_OBJECT',
      skill,
      message: `payload must be a JSON object, got ${typeof input}`,
    });
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new PayloadError({
      code: 'PAYLOAD_TOO_LARGE',
      skill,
      message: `payload is ${bytes} bytes; the limit is ${maxBytes} bytes`,
      hint: 'store large inputs in a file under the fleet home and pass its path, or raise [queue] max_payload_bytes',
    });
  }
  let value: unknown;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new PayloadError({
        code: 'PAYLOAD_INVALID_JSON',
        skill,
        message: `payload is not valid JSON: ${(error as Error).message}`,
        cause: error,
        hint: `quote the payload for your shell, e.g. '{"path": "."}'`,
      });
    }
  } else {
    value = input ?? {};
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PayloadError({
      code: 'PAYLOAD_NOT_OBJECT',
      skill,
      message: `payload must be a JSON object, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`,
    });
  }
  return value as Record<string, unknown>;
}
