import { redactJson, redactSecrets } from '../dlp/scan-secrets';
import { DlpError } from '../errors/dlp-error';

/** Longest log message or field string scanned; a longer one is cut to this many characters first. */
export const LOG_MAX_SCANNED_CHARS = 256 * 1024;

const UNSCANNABLE = '[REDACTED:unscannable]';

const clip = (text: string) =>
  text.length > LOG_MAX_SCANNED_CHARS ? `${text.slice(0, LOG_MAX_SCANNED_CHARS)}…(truncated)` : text;

/** The text with every secret `scanForSecrets` finds replaced by `[REDACTED:<kind>]`. */
export function redactLogMessage(message: string): string {
  return redactSecrets(clip(String(message))).text;
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactLogMessage(value);
  if (value instanceof Error) {
    // What pino's error serializer would write, with the texts redacted (an error message often quotes
    // the request that failed, key included).
    const code: unknown = (value as Error & { code?: unknown }).code;
    return {
      type: value.name,
      message: redactLogMessage(value.message),
      ...(value.stack ? { stack: redactLogMessage(value.stack) } : {}),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
  if (Array.isArray(value) || (value !== null && typeof value === 'object' && isPlain(value))) {
    try {
      return redactJson(value, { maxChars: LOG_MAX_SCANNED_CHARS }).value;
    } catch (error) {
      if (DlpError.isInstance(error)) return UNSCANNABLE;
      throw error;
    }
  }
  // Numbers, booleans, null, Dates, Buffers ...: nothing a pattern could find, or pino writes them as is.
  return value;
}

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * The fields of a log line with every string (nested in plain objects and arrays too, and the message and
 * stack of an `Error`) DLP-redacted. Keys are kept. Strings over {@link LOG_MAX_SCANNED_CHARS} are cut
 * before the scan; a value nested too deep to scan is replaced by `[REDACTED:unscannable]`.
 */
export function redactLogFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) out[key] = redactValue(value);
  return out;
}
