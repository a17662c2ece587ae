import { delay, type Sleep } from './delay';

const SECOND_MS = 1_000;
const MINUTE_MS = 60_000;

/** Options for `createRateLimiter`. Every limit is optional; with none set only `minGapMs` applies. */
export interface CreateRateLimiterOptions {
  /** The provider's published request limit per second. Default: none. */
  requestsPerSecond?: number;
  /** The provider's published request limit per minute. Default: none. */
  requestsPerMinute?: number;
  /** The provider's published (input + output) token limit per minute. Default: none. */
  tokensPerMinute?: number;
  /**
   * Fraction of each published limit this limiter may use, in (0, 1]. Default `0.2` (20 %), so one fleet
   * leaves room for the operator's other tools on the same key. Effective limit = floor(limit x share),
   * never below 1.
   */
  share?: number;
  /** Minimum time between two request starts, in ms. Default `300`. */
  minGapMs?: number;
  /**
   * Monotonic clock in ms. Default `performance.now()`, which wall-clock adjustments cannot move backwards.
   * Tests pass `Date.now` together with vitest fake timers.
   */
  now?: () => number;
  /** How the limiter waits. Default: `setTimeout`-based. */
  sleep?: Sleep;
}

/** Options for one `acquire()`. */
export interface AcquireOptions {
  /** Estimated tokens (input + expected output) the request will use. Default `0`. */
  tokens?: number;
  /** Cancels the wait: `acquire` rejects with `signal.reason` and the caller leaves the queue. */
  signal?: AbortSignal;
}

/** Proof that a request may start now. */
export interface RateLimitPermit {
  /** When the request was let through, on the limiter's clock. */
  readonly startedAt: number;
  /** Tokens currently counted for this request (the estimate until `record` is called). */
  readonly tokens: number;
  /**
   * Replaces the estimate with the tokens the call really used, once the provider reports usage.
   * A lower figure frees budget at once for the callers waiting; a higher one holds back later calls.
   */
  record(actualTokens: number): void;
}

/** The limits a limiter enforces, after `share` was applied. */
export interface EffectiveRateLimits {
  /** Requests per second, when a per-second limit was given. */
  requestsPerSecond: number | undefined;
  /** Requests per minute, when a per-minute limit was given. */
  requestsPerMinute: number | undefined;
  /** Tokens per minute, when a token limit was given. */
  tokensPerMinute: number | undefined;
  /** Minimum gap between request starts, in ms. */
  minGapMs: number;
}

/** A snapshot of a limiter, for logs and the dashboard. */
export interface RateLimiterStats {
  /** Callers queued in `acquire`. */
  waiting: number;
  /** Permits handed out since the limiter was created. */
  granted: number;
  /** Requests started in the last second. */
  requestsLastSecond: number;
  /** Requests started in the last minute. */
  requestsLastMinute: number;
  /** Tokens counted for requests started in the last minute. */
  tokensLastMinute: number;
  /** The limits in force. */
  limits: EffectiveRateLimits;
}

/** A per-provider request gate: `await limiter.acquire()` before each call. */
export interface RateLimiter {
  /**
   * Resolves when a request may start without breaking any limit or the minimum gap. Callers are let
   * through strictly in arrival order (FIFO), so a large request is never starved by small ones.
   * A request estimated above the whole token budget goes through alone once the token window is empty,
   * rather than waiting forever.
   */
  acquire(options?: AcquireOptions): Promise<RateLimitPermit>;
  /** Current counters and limits. */
  stats(): RateLimiterStats;
}

interface StartEntry {
  readonly time: number;
  tokens: number;
}

interface Waiter {
  readonly tokens: number;
  readonly resolve: (permit: RateLimitPermit) => void;
  readonly detach: () => void;
}

interface RequestWindow {
  readonly windowMs: number;
  readonly limit: number;
}

/**
 * Creates a rate limiter for one provider.
 *
 * It keeps a sliding-window log of request starts (time + tokens) rather than a token bucket: a bucket
 * lets a full burst through at a refill boundary, so some window of the provider's length can hold up to
 * twice the limit, while a log guarantees that *no* window of that length ever holds more than the
 * limit, whichever way the provider counts. The log holds at most one minute of starts, which the
 * minimum gap and the limits keep small.
 *
 * @example
 * const limiter = createRateLimiter({ requestsPerMinute: 50, tokensPerMinute: 40_000 }); // 20 % of each
 * const permit = await limiter.acquire({ tokens: 1_200, signal });
 * const result = await callClaude();
 * permit.record(result.usage.inputTokens + result.usage.outputTokens);
 */
export function createRateLimiter(options: CreateRateLimiterOptions = {}): RateLimiter {
  const share = options.share ?? 0.2;
  if (!(share > 0 && share <= 1)) throw new RangeError(`share must be in (0, 1], got ${share}`);
  const minGapMs = options.minGapMs ?? 300;
  if (!(minGapMs >= 0)) throw new RangeError(`minGapMs must be >= 0, got ${minGapMs}`);
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? delay;

  const effective = (name: string, limit: number | undefined): number | undefined => {
    if (limit === undefined) return undefined;
    if (!(limit > 0)) throw new RangeError(`${name} must be > 0, got ${limit}`);
    return Math.max(1, Math.floor(limit * share));
  };
  const limits: EffectiveRateLimits = {
    requestsPerSecond: effective('requestsPerSecond', options.requestsPerSecond),
    requestsPerMinute: effective('requestsPerMinute', options.requestsPerMinute),
    tokensPerMinute: effective('tokensPerMinute', options.tokensPerMinute),
    minGapMs,
  };
  const requestWindows: RequestWindow[] = [];
  if (limits.requestsPerSecond !== undefined) {
    requestWindows.push({ windowMs: SECOND_MS, limit: limits.requestsPerSecond });
  }
  if (limits.requestsPerMinute !== undefined) {
    requestWindows.push({ windowMs: MINUTE_MS, limit: limits.requestsPerMinute });
  }

  /** Starts within the last minute, oldest first (the longest window any limit or stat looks at). */
  const log: StartEntry[] = [];
  const queue: Waiter[] = [];
  let lastStart: number | undefined;
  let granted = 0;
  let wakeAt: number | undefined;

  const prune = (time: number) => {
    while (log.length > 0 && log[0]!.time <= time - MINUTE_MS) log.shift();
  };

  const inWindow = (time: number, windowMs: number): StartEntry[] => {
    // An entry counts while `time < entry.time + windowMs`; at exactly `entry.time + windowMs` it is out,
    // so "at most N starts in any window of windowMs" holds with a closed-open window.
    let index = log.length;
    while (index > 0 && log[index - 1]!.time > time - windowMs) index -= 1;
    return log.slice(index);
  };

  /** Earliest time (>= `time`) at which a request of `tokens` may start. */
  const earliestStart = (tokens: number, time: number): number => {
    let ready = time;
    if (lastStart !== undefined) ready = Math.max(ready, lastStart + minGapMs);
    for (const { windowMs, limit } of requestWindows) {
      const recent = inWindow(time, windowMs);
      if (recent.length >= limit) {
        // Enough of the oldest starts must leave the window that one more fits.
        ready = Math.max(ready, recent[recent.length - limit]!.time + windowMs);
      }
    }
    if (limits.tokensPerMinute !== undefined) {
      const budget = limits.tokensPerMinute;
      const recent = inWindow(time, MINUTE_MS);
      let used = recent.reduce((sum, entry) => sum + entry.tokens, 0);
      // An oversized request waits for an empty window instead of forever.
      const allowed = tokens > budget ? 0 : budget - tokens;
      for (const entry of recent) {
        if (used <= allowed) break;
        used -= entry.tokens;
        ready = Math.max(ready, entry.time + MINUTE_MS);
      }
    }
    return ready;
  };

  const grant = (waiter: Waiter, time: number) => {
    const entry: StartEntry = { time, tokens: waiter.tokens };
    log.push(entry);
    lastStart = time;
    granted += 1;
    waiter.detach();
    waiter.resolve({
      startedAt: time,
      get tokens() {
        return entry.tokens;
      },
      record(actualTokens: number) {
        const before = entry.tokens;
        entry.tokens = Math.max(0, actualTokens);
        // Freed budget may let the head of the queue go now rather than at its scheduled wake-up.
        if (entry.tokens < before) pump();
      },
    });
  };

  const schedule = (time: number, readyAt: number) => {
    // One pending wake-up is enough unless this one is earlier (after `record` freed budget or an abort);
    // a stale wake-up that fires later just finds nothing to do or re-schedules.
    if (wakeAt !== undefined && wakeAt <= readyAt) return;
    wakeAt = readyAt;
    const wake = () => {
      if (wakeAt === readyAt) wakeAt = undefined;
      pump();
    };
    sleep(readyAt - time).then(wake, wake);
  };

  function pump(): void {
    const time = now();
    prune(time);
    while (queue.length > 0) {
      const head = queue[0]!;
      const readyAt = earliestStart(head.tokens, time);
      if (readyAt > time) {
        schedule(time, readyAt);
        return;
      }
      queue.shift();
      grant(head, time);
    }
  }

  return {
    acquire({ tokens = 0, signal } = {}) {
      if (!(tokens >= 0)) return Promise.reject(new RangeError(`tokens must be >= 0, got ${tokens}`));
      if (signal?.aborted) return Promise.reject(signal.reason);
      return new Promise<RateLimitPermit>((resolve, reject) => {
        const onAbort = () => {
          const index = queue.indexOf(waiter);
          if (index === -1) return;
          queue.splice(index, 1);
          reject(signal?.reason);
          // The new head may be able to go sooner than the one that left.
          if (index === 0) pump();
        };
        const waiter: Waiter = {
          tokens,
          resolve,
          detach: () => signal?.removeEventListener('abort', onAbort),
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        queue.push(waiter);
        if (queue.length === 1) pump();
      });
    },

    stats() {
      const time = now();
      prune(time);
      return {
        waiting: queue.length,
        granted,
        requestsLastSecond: inWindow(time, SECOND_MS).length,
        requestsLastMinute: log.length,
        tokensLastMinute: log.reduce((sum, entry) => sum + entry.tokens, 0),
        limits: { ...limits },
      };
    },
  };
}
