import { LocalModelRequestError } from './errors';

/** Ollama's default keep-alive: a model stays loaded 5 minutes after its last request. */
export const DEFAULT_KEEP_ALIVE_MS = 5 * 60_000;

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses Ollama's `keep_alive` into milliseconds, the way Ollama does: a number is seconds, a string is a
 * Go duration (`"10m"`, `"1h30m"`, `"300ms"`; a bare number string counts as seconds), anything negative
 * means "keep loaded forever" (`Infinity`) and `0` means "unload when the request ends".
 * `undefined`/`null` give `fallback` (default 5 minutes). Anything else is a `LocalModelRequestError`.
 */
export function parseKeepAlive(value: unknown, fallback: number = DEFAULT_KEEP_ALIVE_MS): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'number' && Number.isFinite(value)) return value < 0 ? Infinity : value * 1000;
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^[-+]?\d+(\.\d+)?$/.test(text)) return parseKeepAlive(Number(text), fallback);
    const match = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(text);
    if (match) {
      let total = 0;
      for (const part of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)) {
        total += Number(part[1]) * UNIT_MS[part[2]!]!;
      }
      return match[1] === '-' && total > 0 ? Infinity : total;
    }
  }
  throw new LocalModelRequestError({
    reason: 'invalid-field',
    field: 'keep_alive',
    message: `keep_alive must be a number of seconds or a duration such as "5m"; got ${JSON.stringify(value)}`,
  });
}
