import type { ModelUsageV1 } from './model-provider-v1';
import type { UsageEntry } from './usage-sink';
import type { ModelFallbackEvent } from './with-fallback';

/** Payload of `model:call`: one provider call ended (each link of a fallback chain gets its own). */
export interface ModelCallEvent {
  /** The provider called. */
  provider: string;
  /** The model asked for, or the one that answered. */
  model: string;
  /** `generate`, `stream` or `embed`. */
  kind: 'generate' | 'stream' | 'embed';
  /** The calling skill, when given. */
  skill: string | undefined;
  /** The calling agent, when given. */
  agent: string | undefined;
  /** Whether it succeeded. */
  ok: boolean;
  /** Tokens used (zeros when the call failed before usage was known). */
  usage: ModelUsageV1;
  /** Wall time, retries and rate-limit waits included, in ms. */
  latencyMs: number;
  /** Provider attempts (1 + retries). */
  attempts: number;
  /** The failure, when `ok` is false. */
  error?: unknown;
}

/** Payload of `model:retry`: an attempt failed with a retryable error and the router waits to retry. */
export interface ModelRetryEvent {
  /** The provider being retried. */
  provider: string;
  /** The model asked for. */
  model: string;
  /** The attempt that failed (1 = the first). */
  attempt: number;
  /** How long the router waits before the next attempt, in ms. */
  delayMs: number;
  /** `retry-after` when the provider asked for the wait, else `backoff`. */
  source: 'retry-after' | 'backoff';
  /** The attempt's error (a `ModelCallError`). */
  error: unknown;
}

/** Payload of `usage:failed`: the `UsageSink` threw; the model call itself succeeded or failed as reported. */
export interface UsageFailedEvent {
  /** The entry that could not be recorded. */
  entry: UsageEntry;
  /** What the sink threw. */
  error: unknown;
}

/** The router's events (`noun:verb`). */
export interface RouterEventMap {
  /** A provider call ended, with usage and latency. */
  'model:call': ModelCallEvent;
  /** A retryable failure; the router waits and tries the same provider again. */
  'model:retry': ModelRetryEvent;
  /** A provider failed with a retryable error (or is refused offline) and the chain moves on. */
  'model:fallback': ModelFallbackEvent;
  /** The usage sink failed to record a call. */
  'usage:failed': UsageFailedEvent;
}

/** Hears every router event. */
export type RouterEventListener = <K extends keyof RouterEventMap>(
  name: K,
  payload: RouterEventMap[K],
) => void;
