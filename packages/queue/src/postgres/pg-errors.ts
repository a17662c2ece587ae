import { QueueError } from '../errors/queue-error';

// How the PostgreSQL store tells "the server is not there" (restart, network, shutdown) from a bug or bad
// input: those become `QUEUE_DB_UNAVAILABLE`, everything else is passed on unchanged.

/** Node socket errors that mean the server cannot be reached. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);
/** SQLSTATEs of a server going away or refusing connections for now (class 08 is added below). */
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Messages node-postgres uses for a connection that ended under it. */
const CONNECTION_MESSAGES = [
  'Connection terminated',
  'connection error',
  'not queryable',
  'timeout exceeded when trying to connect',
  'Client was closed',
];

/** True when `error` means the PostgreSQL server could not be reached or the connection broke. */
export function isConnectionError(error: unknown): boolean {
  if (QueueError.isInstance(error)) return error.code === 'QUEUE_DB_UNAVAILABLE';
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || SERVER_CODES.has(code) || code.startsWith('08')))
    return true;
  if (error instanceof AggregateError) return error.errors.some(isConnectionError);
  return typeof message === 'string' && CONNECTION_MESSAGES.some((text) => message.includes(text));
}

/** The `QUEUE_DB_UNAVAILABLE` error for `url` (printed without its password). */
export function unavailableError(url: string, cause: unknown): QueueError {
  const location = safeLocation(url);
  return new QueueError({
    code: 'QUEUE_DB_UNAVAILABLE',
    file: location,
    message: `the PostgreSQL queue at ${location} cannot be reached: ${(cause as Error)?.message || String(cause)}`,
    hint: 'is the PostgreSQL server running? The next call reconnects by itself',
    cause,
  });
}

/** `url` without its password, safe to print. */
export function safeLocation(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '';
    return parsed.toString();
  } catch {
    return 'postgres (unparsable url)';
  }
}
