import { BigedError } from './biged-error';

const name = 'ModelCallError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Network error codes (Node's `err.code`, or undici's behind `fetch failed`) that mean "the request
 * may not have reached the provider, or the connection broke": worth another try, or the next provider.
 * ENOTFOUND is left out on purpose: a host that does not resolve is a configuration mistake, not a blip.
 */
const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Options for `new ModelCallError(...)`. */
export interface ModelCallErrorOptions {
  /** The provider that was called, e.g. `claude`, `local`. */
  providerId: string;
  /** The model that was asked for, e.g. `claude-sonnet-4-5`, `qwen3:8b`. */
  modelId: string;
  /** HTTP status of the failed response. Absent when no response came back (network error, timeout). */
  statusCode?: number;
  /** Response headers, as sent. `retryWithBackoff` reads `retry-after` / `retry-after-ms` from them (any case). */
  responseHeaders?: Record<string, string>;
  /** Raw response body, when one was read. Kept for logs; never parsed here. */
  responseBody?: string;
  /**
   * Whether trying again (or the next provider) may succeed.
   * Default: true for HTTP 408, 409, 429 and >= 500; with no status code, true when the cause chain
   * holds a transient network error (ECONNRESET, ECONNREFUSED, ETIMEDOUT, EPIPE, EAI_AGAIN, undici
   * socket/timeout codes); false otherwise.
   */
  isRetryable?: boolean;
  /** Message override. Default: `<provider>/<model> call failed with HTTP <status>` or `... failed: <cause>`. */
  message?: string;
  /** The underlying error (the SDK's or fetch's). */
  cause?: unknown;
  /** A short "try ..." hint for the operator. */
  hint?: string;
}

/**
 * A call to a model provider failed. Code: `ROUTER_CALL_FAILED`.
 *
 * Provider adapters raise this for every failed call. Retries (`retryWithBackoff`) and fallbacks
 * (`callWithFallback`) decide from `isRetryable` alone.
 */
export class ModelCallError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The provider that was called. */
  readonly providerId: string;
  /** The model that was asked for. */
  readonly modelId: string;
  /** HTTP status of the failed response; undefined when none came back. */
  readonly statusCode: number | undefined;
  /** Response headers, as sent; undefined when none came back. */
  readonly responseHeaders: Record<string, string> | undefined;
  /** Raw response body, when one was read. */
  readonly responseBody: string | undefined;
  /** Whether trying again (or the next provider) may succeed. */
  readonly isRetryable: boolean;

  constructor(options: ModelCallErrorOptions) {
    const target = `${options.providerId}/${options.modelId}`;
    super({
      name,
      code: 'ROUTER_CALL_FAILED',
      message: options.message ?? defaultMessage(target, options.statusCode, options.cause),
      cause: options.cause,
      hint: options.hint,
    });
    this.providerId = options.providerId;
    this.modelId = options.modelId;
    this.statusCode = options.statusCode;
    this.responseHeaders = options.responseHeaders;
    this.responseBody = options.responseBody;
    this.isRetryable = options.isRetryable ?? isRetryableFailure(options.statusCode, options.cause);
  }

  static override isInstance(error: unknown): error is ModelCallError {
    return BigedError.hasMarker(error, marker);
  }
}

function defaultMessage(target: string, statusCode: number | undefined, cause: unknown): string {
  if (statusCode !== undefined) return `${target} call failed with HTTP ${statusCode}`;
  const code = networkCodeOf(cause);
  const detail = cause instanceof Error ? cause.message : cause === undefined ? '' : String(cause);
  return `${target} call failed${detail ? `: ${detail}` : ''}${code && !detail.includes(code) ? ` (${code})` : ''}`;
}

/** The retryable default documented on `ModelCallErrorOptions.isRetryable`. */
function isRetryableFailure(statusCode: number | undefined, cause: unknown): boolean {
  if (statusCode !== undefined) {
    return statusCode === 408 || statusCode === 409 || statusCode === 429 || statusCode >= 500;
  }
  const code = networkCodeOf(cause);
  return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}

/**
 * First retryable network `code` found along the cause chain. Node's fetch throws
 * `TypeError('fetch failed')` with the socket error as its `cause`, so the code sits one level down
 * (or in an AggregateError's `errors` when several addresses were tried). Depth is bounded in case of cycles.
 */
function networkCodeOf(error: unknown, depth = 0): string | undefined {
  if (depth > 5 || error == null || typeof error !== 'object') return undefined;
  const record = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof record.code === 'string' && RETRYABLE_NETWORK_CODES.has(record.code)) return record.code;
  if (Array.isArray(record.errors)) {
    for (const inner of record.errors) {
      const code = networkCodeOf(inner, depth + 1);
      if (code) return code;
    }
  }
  return networkCodeOf(record.cause, depth + 1);
}
