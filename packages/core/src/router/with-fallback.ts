import { BigedError } from '../errors/biged-error';
import { ModelCallError } from '../errors/model-call-error';
import { RetryError } from '../errors/retry-error';

/** One link of a fallback chain, e.g. `{ providerId: 'claude', call }` then `{ providerId: 'local', call }`. */
export interface FallbackTarget<T> {
  /** The provider this link calls. */
  providerId: string;
  /** The model it asks for, for messages and events. Default: none. */
  modelId?: string;
  /**
   * Makes the call, with its own rate limiting and retries (wrap it in `retryWithBackoff`).
   * Receives the chain's AbortSignal.
   */
  call: (signal: AbortSignal | undefined) => Promise<T>;
}

/** One provider that failed in a fallback chain. */
export interface FallbackFailure {
  /** The provider that failed. */
  providerId: string;
  /** The model it was asked for, when given. */
  modelId: string | undefined;
  /** Its error, usually a `RetryError` (retries exhausted) or a `ModelCallError`. */
  error: unknown;
}

/** Payload of the `model:fallback` event: a provider failed and the next one is about to be tried. */
export interface ModelFallbackEvent {
  /** The provider that failed. */
  fromProviderId: string;
  /** The provider tried next. */
  toProviderId: string;
  /** Why `fromProviderId` failed. */
  error: unknown;
  /** 0-based position of `fromProviderId` in the chain. */
  index: number;
}

/** Options for `callWithFallback`. */
export interface CallWithFallbackOptions {
  /** Stops the chain: no further provider is tried and the abort reason (or the call's error) is thrown. */
  signal?: AbortSignal;
  /** Hears every `model:fallback`, e.g. to log it or count it in usage. Default: none. */
  onFallback?: (event: ModelFallbackEvent) => void;
}

/**
 * Whether a failure is worth trying again or handing to the next provider. Per the house rule the
 * decision reads `isRetryable` alone: a `ModelCallError` that says so, or a `RetryError` whose retries
 * all failed with retryable errors (`maxRetriesExceeded`). Anything else (a bug, a 4xx, an abort) is not.
 */
export function isRetryableError(error: unknown): boolean {
  if (ModelCallError.isInstance(error)) return error.isRetryable;
  if (RetryError.isInstance(error)) return error.reason === 'maxRetriesExceeded';
  return false;
}

/**
 * Tries each provider of `chain` in order and returns the first success.
 *
 * It moves to the next provider only when the failure is retryable (see `isRetryableError`), emitting
 * `model:fallback` through `onFallback` first. A non-retryable failure ends the chain and is rethrown as
 * is: a 400 or a bug would fail the same way anywhere, and the earlier failures were already reported.
 * When every provider fails, it throws a `BigedError` with code `ROUTER_ALL_PROVIDERS_FAILED` whose message
 * names each provider and its error, and whose `cause` is an `AggregateError` of all of them in order.
 * An empty chain throws `ROUTER_NO_PROVIDER`.
 */
export async function callWithFallback<T>(
  chain: readonly FallbackTarget<T>[],
  options: CallWithFallbackOptions = {},
): Promise<T> {
  const { signal, onFallback } = options;
  if (chain.length === 0) {
    throw new BigedError({
      code: 'ROUTER_NO_PROVIDER',
      message: 'No provider to call: the fallback chain is empty',
      hint: 'configure at least one model provider',
    });
  }

  const failures: FallbackFailure[] = [];
  for (const [index, target] of chain.entries()) {
    if (signal?.aborted) throw signal.reason;
    try {
      return await target.call(signal);
    } catch (error) {
      if (signal?.aborted || !isRetryableError(error)) throw error;
      failures.push({ providerId: target.providerId, modelId: target.modelId, error });
      const next = chain[index + 1];
      if (next) {
        onFallback?.({ fromProviderId: target.providerId, toProviderId: next.providerId, error, index });
      }
    }
  }

  const lines = failures.map(
    ({ providerId, modelId, error }) =>
      `  - ${modelId ? `${providerId}/${modelId}` : providerId}: ${describe(error)}`,
  );
  throw new BigedError({
    code: 'ROUTER_ALL_PROVIDERS_FAILED',
    message: `All ${failures.length} providers failed (${failures.map((failure) => failure.providerId).join(' -> ')}):\n${lines.join('\n')}`,
    cause: new AggregateError(
      failures.map((failure) => failure.error),
      'every provider in the fallback chain failed',
    ),
    hint: "check each provider's status and rate limits, or add another provider to the fallback chain",
  });
}

function describe(error: unknown): string {
  if (RetryError.isInstance(error)) {
    const last = error.lastError instanceof Error ? error.lastError.message : String(error.lastError);
    return `${last} (after ${error.errors.length} attempt${error.errors.length === 1 ? '' : 's'})`;
  }
  return error instanceof Error ? error.message : String(error);
}
