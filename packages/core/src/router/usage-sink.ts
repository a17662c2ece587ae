/**
 * Where the router reports what each call used. The usage ledger in `@biged/queue` implements it (usage
 * rows, cost from the price table, budgets); tests pass an array-backed one.
 */

/** What the router tells `reserve` before a call. */
export interface UsageReservation {
  /** The skill making the call, when the caller said. */
  skill: string | undefined;
  /** The agent making the call, when the caller said. */
  agent: string | undefined;
  /** The provider about to be called. */
  provider: string;
  /** The model about to be called. */
  model: string;
  /** Estimated input tokens (4 characters a token). */
  estimatedInputTokens: number;
  /** The request's `maxOutputTokens`, when set (else 0). */
  estimatedOutputTokens: number;
}

/** One row for the usage ledger: one provider call (each link of a fallback chain gets its own). */
export interface UsageEntry {
  /** The skill that made the call, when the caller said. */
  skill: string | undefined;
  /** The agent that made the call, when the caller said. */
  agent: string | undefined;
  /** The provider called. */
  provider: string;
  /** The model asked for (or, on success, the one that answered). */
  model: string;
  /** `generate`, `stream` or `embed`. */
  kind: 'generate' | 'stream' | 'embed';
  /** Input tokens, cached ones included (0 when the call failed before usage was known). */
  inputTokens: number;
  /** Output tokens. */
  outputTokens: number;
  /** Cached input tokens. */
  cachedTokens: number;
  /** Wall time of the call, retries and rate-limit waits included, in ms. */
  latencyMs: number;
  /** Provider attempts made (1 + retries). */
  attempts: number;
  /** Whether the call succeeded. */
  ok: boolean;
  /** Why it failed, when it did. */
  error?: { code: string | undefined; message: string };
  /** What `reserve` returned for this call (e.g. a ledger reservation id to settle), when it returned something. */
  reservation?: unknown;
}

/** The router's usage reporter. */
export interface UsageSink {
  /**
   * Called before each provider call; throw (or reject) to refuse it, e.g. when a `[budgets]` limit is
   * spent. The error reaches the caller as is, the provider is not called, and `record` is not called for it. A throttling budget may
   * simply wait before resolving. Whatever it returns (a reservation id) comes back on the entry given to
   * `record` as `reservation`, so the ledger can settle or release it. Default: none.
   */
  reserve?(reservation: UsageReservation): unknown;
  /**
   * Called after each provider call, success or failure. Awaited; a throw is reported as a `usage:failed`
   * event and does not fail the model call (the answer was already paid for).
   */
  record(entry: UsageEntry): void | Promise<void>;
}
