import { BigedError } from './biged-error';

const name = 'RetryError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Why `retryWithBackoff` gave up:
 * - `maxRetriesExceeded`: every attempt failed with a retryable error and no retries were left;
 * - `errorNotRetryable`: a later attempt failed with an error that is not worth retrying;
 * - `aborted`: the caller's AbortSignal fired between or during attempts.
 */
export type RetryErrorReason = 'maxRetriesExceeded' | 'errorNotRetryable' | 'aborted';

/** Options for `new RetryError(...)`. */
export interface RetryErrorOptions {
  /** Why retrying stopped. */
  reason: RetryErrorReason;
  /** The error of every attempt, oldest first. */
  errors: unknown[];
  /** Message override. Default: says how many attempts failed and quotes the last error. */
  message?: string;
  /** Default: the last attempt's error; for `aborted`, the signal's reason. */
  cause?: unknown;
}

/**
 * Retrying a model call gave up. Code: `ROUTER_RETRY_EXHAUSTED`.
 *
 * `errors` holds every attempt's error (each usually a `ModelCallError`), `lastError` the final one.
 */
export class RetryError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** Why retrying stopped. */
  readonly reason: RetryErrorReason;
  /** The error of every attempt, oldest first. */
  readonly errors: unknown[];
  /** The last attempt's error (also the `cause`, except for `aborted`). */
  readonly lastError: unknown;

  constructor(options: RetryErrorOptions) {
    const lastError = options.errors[options.errors.length - 1];
    super({
      name,
      code: 'ROUTER_RETRY_EXHAUSTED',
      message: options.message ?? defaultMessage(options.reason, options.errors.length, lastError),
      cause: options.cause ?? lastError,
      hint:
        options.reason === 'maxRetriesExceeded'
          ? 'the provider kept failing; check its status or configure a fallback'
          : undefined,
    });
    this.reason = options.reason;
    this.errors = options.errors;
    this.lastError = lastError;
  }

  static override isInstance(error: unknown): error is RetryError {
    return BigedError.hasMarker(error, marker);
  }
}

function defaultMessage(reason: RetryErrorReason, attempts: number, lastError: unknown): string {
  const last = lastError instanceof Error ? lastError.message : String(lastError);
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`;
  switch (reason) {
    case 'maxRetriesExceeded':
      return `Gave up after ${tries}. Last error: ${last}`;
    case 'errorNotRetryable':
      return `Gave up after ${tries}: the last error is not retryable: ${last}`;
    case 'aborted':
      return `Aborted after ${tries}. Last error: ${last}`;
  }
}
