import { type FleetConfig, fleetConfigSchema } from '../config/fleet-config-schema';
import { BigedError } from '../errors/biged-error';
import { ModelCallError } from '../errors/model-call-error';
import { RouterOfflineError } from '../errors/router-offline-error';
import { createRateLimiter, type RateLimiter, type RateLimiterStats } from './create-rate-limiter';
import type {
  EmbedResultV1,
  ModelProviderV1,
  ModelRequestV1,
  ModelResultV1,
  ModelStreamPartV1,
  ModelUsageV1,
} from './model-provider-v1';
import { estimateTokens } from './model-request';
import { type RetryWithBackoffOptions, retryWithBackoff } from './retry';
import type { RouterEventListener } from './router-events';
import type { UsageEntry, UsageSink } from './usage-sink';
import { callWithFallback } from './with-fallback';

/** Limits for one provider; each overrides the `[router]` / `[router.limits.<provider>]` value. */
export interface RouterProviderLimits {
  /** The provider's published requests per second. Default: `[router.limits.<id>] requests_per_second`, else none. */
  requestsPerSecond?: number;
  /** The provider's published requests per minute. Default: `[router.limits.<id>] requests_per_minute`, else none. */
  requestsPerMinute?: number;
  /** The provider's published tokens per minute. Default: `[router.limits.<id>] tokens_per_minute`, else none. */
  tokensPerMinute?: number;
  /** Share of the published limits to use, in (0, 1]. Default: `[router] share` (0.2). */
  share?: number;
  /** Minimum gap between request starts, in ms. Default: `[router] min_gap_ms` (300). */
  minGapMs?: number;
}

/** One link of a fallback chain: a provider, and the model to ask it for (default: its default model). */
export type FallbackLink = string | { provider: string; model?: string };

/** Retry settings; each overrides `[router]`. */
export type RouterRetryOptions = Pick<
  RetryWithBackoffOptions,
  'maxRetries' | 'initialDelayMs' | 'backoffFactor' | 'maxDelayMs' | 'jitter' | 'random' | 'sleep'
>;

/** Options for `createRouter`. */
export interface CreateRouterOptions {
  /** The providers the router may call, by their `providerId`. */
  providers: readonly ModelProviderV1[];
  /** The fleet config: `[fleet]` modes, `[models]` defaults, `[router]` pacing. Default: every default. */
  config?: FleetConfig;
  /** The provider used when a request names none. Default: the first of `providers`. */
  defaultProvider?: string;
  /**
   * Default model per provider id, for requests (and fallback links) that name none.
   * Default: `[models] local` for local providers, none for external ones.
   */
  models?: Record<string, string>;
  /** Default embedding model per provider id, for `embed` requests that name none. Default: none. */
  embeddingModels?: Record<string, string>;
  /** Per-provider limits. Default: from `[router]` and `[router.limits.<id>]`. */
  limits?: Record<string, RouterProviderLimits>;
  /** Provider id -> the links tried next when it fails with a retryable error. Default: `[router] fallback`. */
  fallback?: Record<string, readonly FallbackLink[]>;
  /** Retry settings. Default: `[router] max_retries` (2) and `retry_initial_delay_ms` (1000), full jitter. */
  retry?: RouterRetryOptions;
  /**
   * Longest single provider attempt in ms (for a stream: until its first part), or `false` for none.
   * A timed-out attempt is a retryable `ModelCallError`. Default: `[router] request_timeout_secs` (120 s).
   */
  timeoutMs?: number | false;
  /** Reports every call's usage (the ledger in `@biged/queue`) and may refuse calls over budget. Default: none. */
  usage?: UsageSink;
  /** Hears `model:call`, `model:retry`, `model:fallback` and `usage:failed`. Default: none. */
  onEvent?: RouterEventListener;
  /** Clock for latencies, in ms. Default `performance.now()`. */
  now?: () => number;
}

/** What the router's callers add to a model request. */
export interface RouterCallContext {
  /** Provider id to call. Default: the router's `defaultProvider`. */
  provider?: string;
  /** The skill making the call, for usage and budgets. */
  skill?: string;
  /** The agent making the call, for usage. */
  agent?: string;
  /** Cancels the call, its retries and its fallbacks. */
  signal?: AbortSignal;
}

/** A `router.call` / `router.stream` request: a model request whose `model` may default. */
export type RouterRequest = Omit<ModelRequestV1, 'model'> & { model?: string } & RouterCallContext;

/** A `router.embed` request. */
export interface RouterEmbedRequest extends RouterCallContext {
  /** Embedding model. Default: the router's `embeddingModels[provider]`. */
  model?: string;
  /** Texts to embed. */
  texts: string[];
}

/** What `router.call` returns: the provider's result plus where and how it was made. */
export type RouterResult = ModelResultV1 & {
  /** The provider that answered (differs from the requested one after a fallback). */
  provider: string;
  /** Attempts made on that provider (1 + retries). */
  attempts: number;
  /** Wall time on that provider, rate-limit waits and retries included, in ms. */
  latencyMs: number;
};

/** What `router.embed` returns. */
export type RouterEmbedResult = EmbedResultV1 & { provider: string; attempts: number; latencyMs: number };

/** A part of `router.stream`: the provider's parts, with the provider named on `finish`. */
export type RouterStreamPart =
  | Exclude<ModelStreamPartV1, { type: 'finish' }>
  | (Extract<ModelStreamPartV1, { type: 'finish' }> & { provider: string; latencyMs: number });

/** The model router: one call shape for every provider. */
export interface Router {
  /** One full answer, with rate limiting, retries and fallback. */
  call(request: RouterRequest): Promise<RouterResult>;
  /**
   * The answer as it is generated. Retries and fallback apply until the first part arrives; after that a
   * failure is an `error` part. Breaking out of the loop cancels the provider's stream.
   */
  stream(request: RouterRequest): AsyncIterable<RouterStreamPart>;
  /** Embedding vectors, through the same limits, retries and fallback. */
  embed(request: RouterEmbedRequest): Promise<RouterEmbedResult>;
  /** The registered provider ids. */
  readonly providerIds: readonly string[];
  /** A provider's rate limiter counters, or undefined for an unknown id. */
  limiterStats(providerId: string): RateLimiterStats | undefined;
}

interface Link {
  provider: ModelProviderV1;
  model: string;
}

/** Holds what `usage.reserve` returned for one link, for its `record` entry. */
interface ReservationSlot {
  reservation?: unknown;
  /** `reserve` refused the call: the provider was never called, so there is nothing to record. */
  refused?: boolean;
}

interface Attempted<T> {
  value: T;
  attempts: number;
}

const ZERO_USAGE: ModelUsageV1 = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };

/**
 * Creates the model router.
 *
 * For each call it picks the provider (the request's, else the default), builds the chain with its
 * fallbacks, and in offline or air-gap mode drops every external provider (`isLocal: false`) *before*
 * anything else happens: a chain left empty throws `RouterOfflineError` (`ROUTER_OFFLINE`) with no network
 * access and no key read. Each link then runs `usage.reserve`, the provider's rate limiter (created per
 * provider at `share` of its limits with a minimum gap), the call under a per-attempt timeout inside
 * `retryWithBackoff`, and `usage.record`; `callWithFallback` moves along the chain on retryable failures.
 *
 * @example
 * const router = createRouter({ providers: [ollama, claude], config, fallback: { claude: ['local'] } });
 * const { text, usage } = await router.call({ provider: 'claude', model: 'claude-sonnet-4-5', prompt: 'Hi', skill: 'summarize' });
 */
export function createRouter(options: CreateRouterOptions): Router {
  const config = options.config ?? fleetConfigSchema.parse({});
  const now = options.now ?? (() => performance.now());
  const emit: RouterEventListener = options.onEvent ?? (() => {});
  const usageSink = options.usage;

  const providers = new Map<string, ModelProviderV1>();
  for (const provider of options.providers) {
    if (provider.specificationVersion !== 'v1') {
      throw new TypeError(
        `Provider "${provider.providerId}" implements specification ${String(provider.specificationVersion)}, this router speaks v1`,
      );
    }
    if (providers.has(provider.providerId))
      throw new TypeError(`Two providers share the id "${provider.providerId}"`);
    providers.set(provider.providerId, provider);
  }
  const providerIds = [...providers.keys()];
  const defaultProviderId = options.defaultProvider ?? providerIds[0];

  const providerOf = (id: string | undefined): ModelProviderV1 => {
    const provider = id === undefined ? undefined : providers.get(id);
    if (provider) return provider;
    throw new BigedError({
      code: 'ROUTER_NO_PROVIDER',
      message:
        id === undefined
          ? 'No provider to call: the router has no providers'
          : `Unknown model provider "${id}"; the router has: ${providerIds.join(', ') || 'none'}`,
      hint: 'register the provider with createRouter({ providers }) or fix the provider name',
    });
  };

  const modelFor = (
    provider: ModelProviderV1,
    model: string | undefined,
    kind: 'generate' | 'embed',
  ): string => {
    const fallbackModel =
      kind === 'embed'
        ? options.embeddingModels?.[provider.providerId]
        : (options.models?.[provider.providerId] ?? (provider.isLocal ? config.models.local : undefined));
    const resolved = model ?? fallbackModel;
    if (resolved) return resolved;
    throw new BigedError({
      code: 'ROUTER_NO_MODEL',
      message: `No ${kind === 'embed' ? 'embedding ' : ''}model given for provider "${provider.providerId}" and it has no default`,
      hint: `pass model, or set createRouter({ ${kind === 'embed' ? 'embeddingModels' : 'models'}: { ${provider.providerId}: '...' } })`,
    });
  };

  const fallbackOf = (id: string): readonly FallbackLink[] => {
    const fromOptions = options.fallback?.[id];
    if (fromOptions) return fromOptions;
    return (config.router.fallback[id] ?? []).map((entry) => {
      const slash = entry.indexOf('/');
      return slash === -1 ? entry : { provider: entry.slice(0, slash), model: entry.slice(slash + 1) };
    });
  };
  // Fail at start-up, not on the first failure, when a fallback names a provider nobody registered.
  for (const id of new Set([
    ...Object.keys(options.fallback ?? {}),
    ...Object.keys(config.router.fallback),
  ])) {
    for (const link of fallbackOf(id)) providerOf(typeof link === 'string' ? link : link.provider);
  }

  const offlineMode = config.fleet.air_gap_mode
    ? 'air-gap'
    : config.fleet.offline_mode
      ? 'offline'
      : undefined;

  const retryDefaults: RouterRetryOptions = {
    maxRetries: config.router.max_retries,
    initialDelayMs: config.router.retry_initial_delay_ms,
    ...options.retry,
  };
  const timeoutMs = options.timeoutMs ?? config.router.request_timeout_secs * 1_000;

  const limiters = new Map<string, RateLimiter>();
  const limiterOf = (id: string): RateLimiter => {
    let limiter = limiters.get(id);
    if (!limiter) {
      const fromConfig = config.router.limits[id];
      const fromOptions = options.limits?.[id];
      limiter = createRateLimiter({
        requestsPerSecond: fromOptions?.requestsPerSecond ?? fromConfig?.requests_per_second,
        requestsPerMinute: fromOptions?.requestsPerMinute ?? fromConfig?.requests_per_minute,
        tokensPerMinute: fromOptions?.tokensPerMinute ?? fromConfig?.tokens_per_minute,
        share: fromOptions?.share ?? config.router.share,
        minGapMs: fromOptions?.minGapMs ?? config.router.min_gap_ms,
      });
      limiters.set(id, limiter);
    }
    return limiter;
  };

  /** The chain for a request, with external providers dropped offline (before any of them is touched). */
  const chainFor = (request: { provider?: string; model?: string }, kind: 'generate' | 'embed'): Link[] => {
    const primary = providerOf(request.provider ?? defaultProviderId);
    const links: Link[] = [{ provider: primary, model: modelFor(primary, request.model, kind) }];
    if (kind === 'generate') {
      for (const link of fallbackOf(primary.providerId)) {
        const provider = providerOf(typeof link === 'string' ? link : link.provider);
        links.push({
          provider,
          model: modelFor(provider, typeof link === 'string' ? undefined : link.model, kind),
        });
      }
    }
    if (offlineMode === undefined) return links;
    const local = links.filter((link) => link.provider.isLocal);
    const refused = new RouterOfflineError({
      providerId: primary.providerId,
      modelId: links[0]?.model,
      mode: offlineMode,
    });
    if (local.length === 0) throw refused;
    if (!primary.isLocal) {
      emit('model:fallback', {
        fromProviderId: primary.providerId,
        toProviderId: local[0]!.provider.providerId,
        error: refused,
        index: 0,
      });
    }
    return local;
  };

  const record = async (entry: UsageEntry, error: unknown) => {
    emit('model:call', {
      provider: entry.provider,
      model: entry.model,
      kind: entry.kind,
      skill: entry.skill,
      agent: entry.agent,
      ok: entry.ok,
      usage: {
        inputTokens: entry.inputTokens,
        outputTokens: entry.outputTokens,
        cachedInputTokens: entry.cachedTokens,
      },
      latencyMs: entry.latencyMs,
      attempts: entry.attempts,
      ...(entry.ok ? {} : { error }),
    });
    if (!usageSink) return;
    try {
      await usageSink.record(entry);
    } catch (sinkError) {
      emit('usage:failed', { entry, error: sinkError });
    }
  };

  const entryOf = (
    context: RouterCallContext,
    link: Link,
    kind: UsageEntry['kind'],
    started: number,
    attempts: number,
    usage: ModelUsageV1,
    slot: ReservationSlot,
    error?: unknown,
  ): UsageEntry => ({
    skill: context.skill,
    agent: context.agent,
    provider: link.provider.providerId,
    model: link.model,
    kind,
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cachedTokens: usage.cachedInputTokens,
    latencyMs: now() - started,
    attempts,
    ok: error === undefined,
    ...(error === undefined ? {} : { error: describeError(error) }),
    ...(slot.reservation === undefined ? {} : { reservation: slot.reservation }),
  });

  /**
   * One provider of the chain: reserve, then (rate limit, timed attempt) under retryWithBackoff.
   * `attempt` gets the attempt's signal; `tokensOf` turns its result into the tokens to record on the permit.
   */
  const runLink = async <T>(
    link: Link,
    context: RouterCallContext,
    estimate: { input: number; output: number },
    attempt: (signal: AbortSignal | undefined, timed: TimedSignal) => Promise<T>,
    tokensOf: (value: T) => number,
    slot: ReservationSlot,
  ): Promise<Attempted<T>> => {
    const { signal } = context;
    const providerId = link.provider.providerId;
    if (usageSink?.reserve) {
      try {
        slot.reservation = await usageSink.reserve({
          skill: context.skill,
          agent: context.agent,
          provider: providerId,
          model: link.model,
          estimatedInputTokens: estimate.input,
          estimatedOutputTokens: estimate.output,
        });
      } catch (error) {
        slot.refused = true;
        throw error;
      }
    }
    const limiter = limiterOf(providerId);
    let attempts = 0;
    const value = await retryWithBackoff(
      async () => {
        attempts += 1;
        const permit = await limiter.acquire({ tokens: estimate.input + estimate.output, signal });
        const timed = withTimeout(signal, timeoutMs, link);
        try {
          const result = await attempt(timed.signal, timed);
          permit.record(tokensOf(result));
          return result;
        } catch (error) {
          throw timed.timedOut() && !signal?.aborted ? timed.timeoutError(error) : error;
        } finally {
          if (timed.held) timed.stopTimer();
          else timed.dispose();
        }
      },
      {
        ...retryDefaults,
        signal,
        onRetry: (event) =>
          emit('model:retry', {
            provider: providerId,
            model: link.model,
            attempt: event.attempt,
            delayMs: event.delayMs,
            source: event.source,
            error: event.error,
          }),
      },
    );
    return { value, attempts };
  };

  /** Runs `each` along the chain (directly when there is one link, so its own error surfaces unwrapped). */
  const alongChain = <T>(
    chain: Link[],
    signal: AbortSignal | undefined,
    each: (link: Link) => Promise<T>,
  ) => {
    if (chain.length === 1) return each(chain[0]!);
    return callWithFallback(
      chain.map((link) => ({
        providerId: link.provider.providerId,
        modelId: link.model,
        call: () => each(link),
      })),
      { signal, onFallback: (event) => emit('model:fallback', event) },
    );
  };

  const call = async (request: RouterRequest): Promise<RouterResult> => {
    const chain = chainFor(request, 'generate');
    const {
      provider: _provider,
      skill: _skill,
      agent: _agent,
      signal: _signal,
      model: _model,
      ...body
    } = request;
    const estimate = { input: estimateTokens({ ...body, model: '' }), output: 0 };
    return alongChain(chain, request.signal, async (link) => {
      const started = now();
      const slot: ReservationSlot = {};
      let attempts = 0;
      try {
        const outcome = await runLink(
          link,
          request,
          estimate,
          (signal) => link.provider.generate({ ...body, model: link.model }, { signal }),
          (result) => result.usage.inputTokens + result.usage.outputTokens,
          slot,
        );
        attempts = outcome.attempts;
        const result = outcome.value;
        const latencyMs = now() - started;
        await record(entryOf(request, link, 'generate', started, attempts, result.usage, slot), undefined);
        return { ...result, provider: link.provider.providerId, attempts, latencyMs };
      } catch (error) {
        if (!slot.refused) {
          await record(
            entryOf(request, link, 'generate', started, attemptsOf(error, attempts), ZERO_USAGE, slot, error),
            error,
          );
        }
        throw error;
      }
    });
  };

  const embed = async (request: RouterEmbedRequest): Promise<RouterEmbedResult> => {
    const chain = chainFor(request, 'embed');
    const input = Math.ceil(request.texts.reduce((sum, text) => sum + text.length, 0) / 4);
    return alongChain(chain, request.signal, async (link) => {
      const started = now();
      const slot: ReservationSlot = {};
      try {
        const { value, attempts } = await runLink(
          link,
          request,
          { input, output: 0 },
          (signal) => link.provider.embed({ model: link.model, texts: request.texts }, { signal }),
          (result) => result.usage.inputTokens,
          slot,
        );
        const latencyMs = now() - started;
        const usage = { inputTokens: value.usage.inputTokens, outputTokens: 0, cachedInputTokens: 0 };
        await record(entryOf(request, link, 'embed', started, attempts, usage, slot), undefined);
        return { ...value, provider: link.provider.providerId, attempts, latencyMs };
      } catch (error) {
        if (!slot.refused) {
          await record(
            entryOf(request, link, 'embed', started, attemptsOf(error, 1), ZERO_USAGE, slot, error),
            error,
          );
        }
        throw error;
      }
    });
  };

  async function* stream(request: RouterRequest): AsyncGenerator<RouterStreamPart> {
    const chain = chainFor(request, 'generate');
    const {
      provider: _provider,
      skill: _skill,
      agent: _agent,
      signal: _signal,
      model: _model,
      ...body
    } = request;
    const estimate = { input: estimateTokens({ ...body, model: '' }), output: 0 };

    interface Opened {
      link: Link;
      started: number;
      attempts: number;
      iterator: AsyncIterator<ModelStreamPartV1>;
      first: ModelStreamPartV1;
      release: () => void;
      slot: ReservationSlot;
    }
    const opened: Opened = await alongChain(chain, request.signal, async (link) => {
      const started = now();
      const slot: ReservationSlot = {};
      try {
        const { value, attempts } = await runLink(
          link,
          request,
          estimate,
          async (signal, timed) => {
            const iterator = link.provider
              .stream({ ...body, model: link.model }, { signal })
              [Symbol.asyncIterator]();
            const first = await iterator.next();
            if (first.done) {
              throw new ModelCallError({
                providerId: link.provider.providerId,
                modelId: link.model,
                isRetryable: false,
                message: `${link.provider.providerId}/${link.model} ended its stream without a finish part`,
              });
            }
            // Nothing reached the caller yet, so a retryable failure in the first part can still be retried.
            if (first.value.type === 'error') {
              await iterator.return?.();
              throw first.value.error;
            }
            // The provider keeps reading the signal while the caller reads the stream: release it at the end.
            timed.held = true;
            return { iterator, first: first.value, release: timed.dispose };
          },
          () => estimate.input,
          slot,
        );
        return { link, started, attempts, slot, ...value };
      } catch (error) {
        if (!slot.refused) {
          await record(
            entryOf(request, link, 'stream', started, attemptsOf(error, 1), ZERO_USAGE, slot, error),
            error,
          );
        }
        throw error;
      }
    });

    const { link, started, attempts, iterator, release, slot } = opened;
    let finished: Extract<ModelStreamPartV1, { type: 'finish' }> | undefined;
    let failure: unknown;
    let part: ModelStreamPartV1 | undefined = opened.first;
    try {
      while (part) {
        if (part.type === 'finish') {
          finished = part;
          yield { ...part, provider: link.provider.providerId, latencyMs: now() - started };
          break;
        }
        if (part.type === 'error') {
          failure = part.error;
          yield part;
          break;
        }
        yield part;
        const next = await iterator.next();
        part = next.done ? undefined : next.value;
      }
      if (!finished && failure === undefined) {
        failure = new ModelCallError({
          providerId: link.provider.providerId,
          modelId: link.model,
          isRetryable: false,
          message: `${link.provider.providerId}/${link.model} ended its stream without a finish part`,
        });
        yield { type: 'error', error: failure };
      }
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      if (!finished && failure === undefined) {
        failure = new BigedError({
          code: 'ROUTER_STREAM_CANCELLED',
          message: 'The caller stopped reading the stream',
        });
        await iterator.return?.();
      }
      release();
      await record(
        entryOf(
          request,
          link,
          'stream',
          started,
          attempts,
          finished?.usage ?? ZERO_USAGE,
          slot,
          finished ? undefined : failure,
        ),
        failure,
      );
    }
  }

  return {
    call,
    stream,
    embed,
    providerIds,
    limiterStats: (providerId) => (providers.has(providerId) ? limiterOf(providerId).stats() : undefined),
  };
}

/** The attempts a failed link made: a RetryError holds one error per attempt. */
function attemptsOf(error: unknown, fallback: number): number {
  const errors = (error as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) && BigedError.isInstance(error) ? errors.length : Math.max(1, fallback);
}

function describeError(error: unknown): { code: string | undefined; message: string } {
  if (BigedError.isInstance(error)) return { code: error.code, message: error.message };
  return { code: undefined, message: error instanceof Error ? error.message : String(error) };
}

interface TimedSignal {
  /** The signal the attempt passes to the provider. */
  signal: AbortSignal | undefined;
  /** Whether the timeout (not the caller) aborted it. */
  timedOut(): boolean;
  /** The retryable error for a timed-out attempt. */
  timeoutError(cause: unknown): ModelCallError;
  /** Set by a stream attempt that hands the signal on to the reader: only the timer stops when it returns. */
  held: boolean;
  /** Stops the timer. */
  stopTimer(): void;
  /** Stops the timer and stops following the caller's signal. */
  dispose(): void;
}

/**
 * The caller's signal plus a per-attempt timeout. A plain timer and controller rather than
 * `AbortSignal.any`/`AbortSignal.timeout`, so the timer is cleared as soon as the attempt ends.
 */
function withTimeout(signal: AbortSignal | undefined, timeoutMs: number | false, link: Link): TimedSignal {
  const error = (cause: unknown) =>
    new ModelCallError({
      providerId: link.provider.providerId,
      modelId: link.model,
      isRetryable: true,
      message: `${link.provider.providerId}/${link.model} did not answer within ${timeoutMs} ms`,
      cause,
      hint: 'raise [router] request_timeout_secs, or check the provider',
    });
  if (timeoutMs === false) {
    return {
      signal,
      timedOut: () => false,
      timeoutError: error,
      held: false,
      stopTimer: () => {},
      dispose: () => {},
    };
  }
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(error(undefined));
  }, timeoutMs);
  const onAbort = () => controller.abort(signal?.reason);
  if (signal?.aborted) onAbort();
  else signal?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => expired,
    timeoutError: (cause) => (ModelCallError.isInstance(cause) && cause.isRetryable ? cause : error(cause)),
    held: false,
    stopTimer: () => clearTimeout(timer),
    dispose: () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
