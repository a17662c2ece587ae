import { describe, expect, it } from 'vitest';
import { fleetConfigSchema } from '../config/fleet-config-schema';
import { BigedError } from '../errors/biged-error';
import { ModelCallError } from '../errors/model-call-error';
import { RetryError } from '../errors/retry-error';
import { RouterOfflineError } from '../errors/router-offline-error';
import { MockModelProvider } from '../test/mock-model-provider';
import { createRouter } from './create-router';
import type { ModelStreamPartV1 } from './model-provider-v1';
import type { RouterEventMap } from './router-events';
import type { UsageEntry } from './usage-sink';

const fast = { limits: {}, retry: { initialDelayMs: 1, jitter: 'none' as const } };
const noGap = (...ids: string[]) => Object.fromEntries(ids.map((id) => [id, { minGapMs: 0 }]));

const claudeError = (statusCode: number, headers?: Record<string, string>) =>
  new ModelCallError({ providerId: 'claude', modelId: 'claude-x', statusCode, responseHeaders: headers });

function recorder() {
  const events: Array<{ name: keyof RouterEventMap; payload: unknown }> = [];
  const entries: UsageEntry[] = [];
  return {
    events,
    entries,
    onEvent: <K extends keyof RouterEventMap>(name: K, payload: RouterEventMap[K]) => {
      events.push({ name, payload });
    },
    usage: { record: (entry: UsageEntry) => void entries.push(entry) },
  };
}

describe('createRouter: offline and air-gap', () => {
  it.each([
    ['offline', { offline_mode: true }],
    ['air-gap', { air_gap_mode: true }],
  ])('refuses an external provider in %s mode before calling it', async (mode, fleet) => {
    const claude = new MockModelProvider({ providerId: 'claude', isLocal: false });
    const log = recorder();
    const router = createRouter({
      providers: [claude],
      config: fleetConfigSchema.parse({ fleet }),
      usage: {
        reserve: () => void log.events.push({ name: 'model:call', payload: 'reserved' }),
        record: log.usage.record,
      },
    });
    const error = await router
      .call({ provider: 'claude', model: 'claude-x', prompt: 'hi' })
      .catch((caught) => caught);
    expect(RouterOfflineError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ROUTER_OFFLINE', providerId: 'claude', mode });
    expect(claude.calls).toEqual([]);
    expect(log.events).toEqual([]); // not even a reservation
    await expect(async () => {
      for await (const _ of router.stream({ provider: 'claude', model: 'claude-x', prompt: 'hi' })) {
        // nothing
      }
    }).rejects.toMatchObject({ code: 'ROUTER_OFFLINE' });
    await expect(router.embed({ provider: 'claude', model: 'e', texts: ['a'] })).rejects.toMatchObject({
      code: 'ROUTER_OFFLINE',
    });
    expect(claude.calls).toEqual([]);
  });

  it('skips to a local fallback offline, and says so', async () => {
    const claude = new MockModelProvider({ providerId: 'claude', isLocal: false });
    const local = new MockModelProvider({ providerId: 'local' });
    const log = recorder();
    const router = createRouter({
      providers: [claude, local],
      config: fleetConfigSchema.parse({ fleet: { offline_mode: true }, models: { local: 'qwen3:0.6b' } }),
      fallback: { claude: ['local'] },
      onEvent: log.onEvent,
      limits: noGap('local'),
    });
    const result = await router.call({ provider: 'claude', model: 'claude-x', prompt: 'hi' });
    expect(result).toMatchObject({ provider: 'local', model: 'qwen3:0.6b', text: 'mock answer' });
    expect(claude.calls).toEqual([]);
    expect(log.events[0]).toMatchObject({
      name: 'model:fallback',
      payload: { fromProviderId: 'claude', toProviderId: 'local' },
    });
  });
});

describe('createRouter: calls', () => {
  it('calls the default provider with its default model and reports usage and latency', async () => {
    const local = new MockModelProvider({ providerId: 'local' });
    const log = recorder();
    const router = createRouter({
      providers: [local],
      onEvent: log.onEvent,
      usage: log.usage,
      limits: noGap('local'),
    });
    const result = await router.call({ prompt: 'hi', skill: 'summarize', agent: 'researcher' });
    expect(result).toMatchObject({ provider: 'local', model: 'qwen3:8b', attempts: 1, text: 'mock answer' });
    expect(local.calls[0]?.request).toEqual({ prompt: 'hi', model: 'qwen3:8b' });
    expect(log.entries).toEqual([
      {
        skill: 'summarize',
        agent: 'researcher',
        provider: 'local',
        model: 'qwen3:8b',
        kind: 'generate',
        inputTokens: 3,
        outputTokens: 2,
        cachedTokens: 0,
        latencyMs: expect.any(Number),
        attempts: 1,
        ok: true,
      },
    ]);
    expect(log.events.map((event) => event.name)).toEqual(['model:call']);
  });

  it('retries a 429 after the provider-given retry-after and succeeds', async () => {
    const claude = new MockModelProvider({
      providerId: 'claude',
      isLocal: false,
      generate: [
        claudeError(429, { 'retry-after': '0.01' }),
        (request) => ({
          text: 'ok',
          finishReason: 'stop',
          usage: { inputTokens: 5, outputTokens: 1, cachedInputTokens: 2 },
          model: request.model,
        }),
      ],
    });
    const log = recorder();
    const router = createRouter({
      providers: [claude],
      ...fast,
      limits: noGap('claude'),
      onEvent: log.onEvent,
      usage: log.usage,
    });
    const result = await router.call({ model: 'claude-x', prompt: 'hi' });
    expect(result).toMatchObject({ text: 'ok', attempts: 2 });
    expect(log.events.map((event) => event.name)).toEqual(['model:retry', 'model:call']);
    expect(log.events[0]?.payload).toMatchObject({ source: 'retry-after', delayMs: 10, attempt: 1 });
    expect(log.entries[0]).toMatchObject({ ok: true, attempts: 2, cachedTokens: 2 });
  });

  it('falls back when retries run out, recording both providers', async () => {
    const claude = new MockModelProvider({
      providerId: 'claude',
      isLocal: false,
      generate: [claudeError(500)],
    });
    const local = new MockModelProvider({ providerId: 'local' });
    const log = recorder();
    const router = createRouter({
      providers: [claude, local],
      ...fast,
      limits: noGap('claude', 'local'),
      retry: { maxRetries: 1, initialDelayMs: 1 },
      fallback: { claude: [{ provider: 'local', model: 'small' }] },
      onEvent: log.onEvent,
      usage: log.usage,
    });
    const result = await router.call({ provider: 'claude', model: 'claude-x', prompt: 'hi' });
    expect(result).toMatchObject({ provider: 'local', model: 'small' });
    expect(claude.calls).toHaveLength(2);
    expect(log.entries.map(({ provider, ok, attempts }) => ({ provider, ok, attempts }))).toEqual([
      { provider: 'claude', ok: false, attempts: 2 },
      { provider: 'local', ok: true, attempts: 1 },
    ]);
    expect(log.entries[0]?.error).toMatchObject({ code: 'ROUTER_RETRY_EXHAUSTED' });
    expect(log.events.map((event) => event.name)).toEqual([
      'model:retry',
      'model:call',
      'model:fallback',
      'model:call',
    ]);
  });

  it('takes fallback chains from [router] fallback as provider/model', async () => {
    const claude = new MockModelProvider({
      providerId: 'claude',
      isLocal: false,
      generate: [claudeError(503)],
    });
    const local = new MockModelProvider({ providerId: 'local' });
    const router = createRouter({
      providers: [claude, local],
      config: fleetConfigSchema.parse({
        router: { fallback: { claude: ['local/qwen3:0.6b'] }, max_retries: 0, min_gap_ms: 0 },
      }),
    });
    await expect(router.call({ provider: 'claude', model: 'c', prompt: 'x' })).resolves.toMatchObject({
      provider: 'local',
      model: 'qwen3:0.6b',
    });
    expect(() =>
      createRouter({
        providers: [claude],
        config: fleetConfigSchema.parse({ router: { fallback: { claude: ['gemini'] } } }),
      }),
    ).toThrow(/Unknown model provider "gemini"/);
  });

  it('does not retry or fall back on a 400', async () => {
    const claude = new MockModelProvider({
      providerId: 'claude',
      isLocal: false,
      generate: [claudeError(400)],
    });
    const local = new MockModelProvider({ providerId: 'local' });
    const router = createRouter({
      providers: [claude, local],
      ...fast,
      limits: noGap('claude'),
      fallback: { claude: ['local'] },
    });
    const error = await router
      .call({ provider: 'claude', model: 'c', prompt: 'x' })
      .catch((caught) => caught);
    expect(ModelCallError.isInstance(error) && error.statusCode).toBe(400);
    expect(claude.calls).toHaveLength(1);
    expect(local.calls).toHaveLength(0);
  });

  it('gives up with RetryError when every attempt fails and there is no fallback', async () => {
    const claude = new MockModelProvider({
      providerId: 'claude',
      isLocal: false,
      generate: [claudeError(429)],
    });
    const router = createRouter({ providers: [claude], ...fast, limits: noGap('claude') });
    const error = await router.call({ model: 'c', prompt: 'x' }).catch((caught) => caught);
    expect(RetryError.isInstance(error) && error.reason).toBe('maxRetriesExceeded');
    expect(claude.calls).toHaveLength(3);
  });

  it('times out a slow attempt as a retryable ModelCallError, and passes the caller abort through', async () => {
    const slow = new MockModelProvider({
      providerId: 'local',
      generate: [
        (_request, { signal }) =>
          new Promise((_resolve, reject) => {
            signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
          }),
      ],
    });
    const router = createRouter({
      providers: [slow],
      limits: noGap('local'),
      timeoutMs: 20,
      retry: { maxRetries: 0 },
    });
    const error = await router.call({ prompt: 'x' }).catch((caught) => caught);
    expect(RetryError.isInstance(error) && error.reason).toBe('maxRetriesExceeded');
    expect(ModelCallError.isInstance(error.lastError)).toBe(true);
    expect(error.lastError).toMatchObject({
      isRetryable: true,
      message: expect.stringMatching(/did not answer within 20 ms/),
    });

    const reason = new Error('user stop');
    const controller = new AbortController();
    const pending = router.call({ prompt: 'x', signal: controller.signal });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('lets the usage sink refuse a call before the provider is called, and survives a failing record', async () => {
    const local = new MockModelProvider({ providerId: 'local' });
    const refusal = new BigedError({ code: 'BUDGET_EXCEEDED', message: 'over budget' });
    const refusing = createRouter({
      providers: [local],
      limits: noGap('local'),
      usage: {
        reserve: (reservation) => {
          if (reservation.skill === 'expensive') throw refusal;
        },
        record: () => {},
      },
    });
    await expect(refusing.call({ prompt: 'x', skill: 'expensive' })).rejects.toBe(refusal);
    expect(local.calls).toHaveLength(0);

    const settled: UsageEntry[] = [];
    const reserving = createRouter({
      providers: [local],
      limits: noGap('local'),
      usage: { reserve: async () => 'reservation-1', record: (entry) => void settled.push(entry) },
    });
    await reserving.call({ prompt: 'x', skill: 'cheap' });
    expect(settled).toMatchObject([{ ok: true, reservation: 'reservation-1' }]);

    const log = recorder();
    const broken = createRouter({
      providers: [local],
      limits: noGap('local'),
      onEvent: log.onEvent,
      usage: {
        record: () => {
          throw new Error('disk full');
        },
      },
    });
    await expect(broken.call({ prompt: 'x' })).resolves.toMatchObject({ text: 'mock answer' });
    expect(log.events.map((event) => event.name)).toEqual(['model:call', 'usage:failed']);
  });

  it('names the providers it has when asked for an unknown one, and needs a model for external ones', async () => {
    const router = createRouter({
      providers: [new MockModelProvider({ providerId: 'claude', isLocal: false })],
    });
    await expect(router.call({ provider: 'gpt', prompt: 'x' })).rejects.toMatchObject({
      code: 'ROUTER_NO_PROVIDER',
      message: expect.stringContaining('the router has: claude'),
    });
    await expect(router.call({ prompt: 'x' })).rejects.toMatchObject({ code: 'ROUTER_NO_MODEL' });
  });

  it('paces each provider from [router] share, min_gap_ms and limits', () => {
    const router = createRouter({
      providers: [new MockModelProvider({ providerId: 'claude', isLocal: false })],
      config: fleetConfigSchema.parse({
        router: {
          share: 0.5,
          min_gap_ms: 100,
          limits: { claude: { requests_per_minute: 50, tokens_per_minute: 1000 } },
        },
      }),
    });
    expect(router.limiterStats('claude')?.limits).toEqual({
      requestsPerSecond: undefined,
      requestsPerMinute: 25,
      tokensPerMinute: 500,
      minGapMs: 100,
    });
    expect(router.limiterStats('nope')).toBeUndefined();
  });
});

describe('createRouter: stream and embed', () => {
  const collect = async (parts: AsyncIterable<unknown>) => {
    const out: unknown[] = [];
    for await (const part of parts) out.push(part);
    return out;
  };

  it('streams parts, names the provider on finish and records the usage', async () => {
    const local = new MockModelProvider({ providerId: 'local' });
    const log = recorder();
    const router = createRouter({ providers: [local], limits: noGap('local'), usage: log.usage });
    const parts = await collect(router.stream({ prompt: 'hi' }));
    expect(parts).toEqual([
      { type: 'text-delta', text: 'mock answer' },
      {
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 3, outputTokens: 2, cachedInputTokens: 0 },
        model: 'qwen3:8b',
        provider: 'local',
        latencyMs: expect.any(Number),
      },
    ]);
    expect(log.entries).toMatchObject([{ kind: 'stream', ok: true, outputTokens: 2 }]);
  });

  it('retries a stream whose first part is a retryable error, and passes a later error part on', async () => {
    const parse = new ModelCallError({
      providerId: 'local',
      modelId: 'm',
      message: 'bad chunk',
      isRetryable: false,
    });
    const scripts: ModelStreamPartV1[][] = [
      [{ type: 'error', error: claudeError(503) }],
      [
        { type: 'text-delta', text: 'a' },
        { type: 'error', error: parse },
      ],
    ];
    const local = new MockModelProvider({ providerId: 'local', stream: scripts });
    const log = recorder();
    const router = createRouter({ providers: [local], ...fast, limits: noGap('local'), usage: log.usage });
    const parts = await collect(router.stream({ prompt: 'hi' }));
    expect(parts).toEqual([
      { type: 'text-delta', text: 'a' },
      { type: 'error', error: parse },
    ]);
    expect(log.entries).toMatchObject([{ ok: false, attempts: 2, error: { message: 'bad chunk' } }]);
  });

  it('records a stream the caller stopped reading as not ok', async () => {
    const local = new MockModelProvider({
      providerId: 'local',
      stream: [
        [
          { type: 'text-delta', text: 'a' },
          { type: 'text-delta', text: 'b' },
        ],
      ],
    });
    const log = recorder();
    const router = createRouter({ providers: [local], limits: noGap('local'), usage: log.usage });
    for await (const part of router.stream({ prompt: 'hi' })) {
      expect(part).toEqual({ type: 'text-delta', text: 'a' });
      break;
    }
    expect(log.entries).toMatchObject([{ ok: false, error: { code: 'ROUTER_STREAM_CANCELLED' } }]);
  });

  it('embeds through the same path', async () => {
    const local = new MockModelProvider({ providerId: 'local' });
    const log = recorder();
    const router = createRouter({
      providers: [local],
      limits: noGap('local'),
      embeddingModels: { local: 'nomic-embed-text' },
      usage: log.usage,
    });
    const result = await router.embed({ texts: ['a', 'b'], skill: 'rag_ingest' });
    expect(result).toMatchObject({
      provider: 'local',
      embeddings: [
        [0, 0.5, 1],
        [1, 0.5, 1],
      ],
      model: 'nomic-embed-text',
    });
    expect(log.entries).toMatchObject([{ kind: 'embed', skill: 'rag_ingest', inputTokens: 2, ok: true }]);
  });
});
