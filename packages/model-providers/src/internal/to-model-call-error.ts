import { ModelCallError } from '@biged/core';

/** What an adapter knows about a failed call. */
export interface FailureContext {
  providerId: string;
  modelId: string;
  /** HTTP status of the failed response, when one came back. */
  statusCode?: number;
  /** Its headers (retry-after is read from them). */
  headers?: Record<string, string>;
  /** Its body, for logs. */
  body?: string;
  /** The provider's own error message. */
  detail?: string;
}

/**
 * Turns what an SDK threw into a `ModelCallError`. A response that came back but could not be read
 * (a 200 with a body that is not the API's format) gets a message that says so; such a failure is not
 * retryable (status 200), network failures keep the core's retryable default (ECONNRESET and friends).
 */
export function toModelCallError(error: unknown, context: FailureContext): ModelCallError {
  if (ModelCallError.isInstance(error)) return error;
  const target = `${context.providerId}/${context.modelId}`;
  const reason = context.detail ?? (error instanceof Error ? error.message : String(error));
  let message: string | undefined;
  if (context.statusCode !== undefined && context.statusCode < 400) {
    message = `${target} returned a malformed response (HTTP ${context.statusCode}): ${reason}`;
  } else if (context.statusCode !== undefined) {
    message = `${target} call failed with HTTP ${context.statusCode}: ${reason}`;
  }
  return new ModelCallError({
    providerId: context.providerId,
    modelId: context.modelId,
    statusCode: context.statusCode,
    responseHeaders: context.headers,
    responseBody: context.body,
    message,
    cause: error,
    hint:
      context.statusCode === 401 || context.statusCode === 403
        ? 'check the API key (environment variable or ~/.secrets)'
        : undefined,
  });
}

/** Rethrows the caller's abort reason when the signal fired, else the mapped error. */
export function failure(error: unknown, signal: AbortSignal | undefined, context: FailureContext): unknown {
  if (signal?.aborted) return signal.reason;
  return toModelCallError(error, context);
}
