import { ModelCallError, RetryError } from '@biged/core';
import { ConductorAnswerError, ConductorUnreachableError, type ConductorUnreachableReason } from '../errors';

/** Where the conductor's call went, for the error message. */
export interface ConductorTarget {
  provider: string;
  model: string;
  /** The URL the provider was reached at. */
  host: string;
  /** The fleet home (the hint names `<home>/models`). */
  home: string;
}

/**
 * The `ModelCallError` behind a router failure: itself, a `RetryError`'s last attempt, or (after a fallback
 * chain failed) the first provider's error from the `AggregateError` cause. Undefined for anything else.
 */
export function findModelCallError(error: unknown, provider: string, depth = 0): ModelCallError | undefined {
  if (depth > 5 || error === null || typeof error !== 'object') return undefined;
  if (ModelCallError.isInstance(error)) return error;
  if (RetryError.isInstance(error)) return findModelCallError(error.lastError, provider, depth + 1);
  if (error instanceof AggregateError) {
    const found = error.errors
      .map((inner) => findModelCallError(inner, provider, depth + 1))
      .filter((inner): inner is ModelCallError => inner !== undefined);
    return found.find((inner) => inner.providerId === provider) ?? found[0];
  }
  return findModelCallError((error as { cause?: unknown }).cause, provider, depth + 1);
}

/**
 * Turns a failed conductor call into what the operator can act on: `ConductorUnreachableError` when the
 * model could not be asked (no answer, 404 model not found, 5xx or a body that is not the API's), and
 * `ConductorAnswerError` when it answered with text that is not JSON. Anything else (a refused key, a
 * budget, offline mode's `RouterOfflineError`) is returned unchanged: its own message says what to do.
 */
export function toConductorError(error: unknown, target: ConductorTarget): unknown {
  const cause = findModelCallError(error, target.provider);
  if (!cause) return error;
  if (cause.statusCode === undefined && cause.cause instanceof SyntaxError) {
    return new ConductorAnswerError({
      provider: target.provider,
      model: target.model,
      issues: [`(answer): not valid JSON (${cause.cause.message})`],
      answer: excerptOf(cause.message),
      cause: error,
    });
  }
  let reason: ConductorUnreachableReason;
  if (cause.statusCode === undefined) reason = 'connection';
  else if (cause.statusCode === 404) reason = 'model-not-found';
  else if (cause.statusCode >= 500 || cause.statusCode < 400) reason = 'server-error';
  else return error;
  return new ConductorUnreachableError({ ...target, reason, detail: cause.message, cause: error });
}

// parseJsonOutput quotes the start of the text in its message: `... not valid JSON: "<text>"`.
function excerptOf(message: string): string {
  const quoted = /not valid JSON: ("(?:[^"\\]|\\.)*")$/.exec(message);
  if (!quoted) return message;
  try {
    return JSON.parse(quoted[1]!) as string;
  } catch {
    return message;
  }
}
