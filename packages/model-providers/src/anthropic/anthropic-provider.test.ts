import { createRouter, fleetConfigSchema, ModelCallError, type ModelStreamPartV1 } from '@biged/core';
import { describeModelProviderContract } from '@biged/core/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOnce,
  fixture,
  hold,
  type SeenRequest,
  sendEvents,
  sendJson,
  sseEvents,
  startWireServer,
  type WireServer,
} from '../test-support/wire-server';
import { createAnthropicProvider } from './anthropic-provider';

/**
 * The Anthropic Messages API on 127.0.0.1 (POST /v1/messages), answering from __fixtures__/anthropic by
 * model name: `*-429-once` (429 + retry-after: 1 once, then success), `*-500`, `*-malformed` (a 200 whose
 * body is not JSON), `*-slow` (no answer until the client gives up); any other model succeeds.
 */
export function startAnthropicServer(): Promise<WireServer> {
  const once = createOnce();
  return startWireServer(async (request: SeenRequest, response) => {
    if (request.method !== 'POST' || request.path !== '/v1/messages') return false;
    const body = request.body as { model: string; stream?: boolean; tools?: unknown[] };
    if (body.model.endsWith('-429-once') && once(body.model)) {
      sendJson(response, 429, fixture('anthropic/rate-limit-error.json'), {
        'retry-after': '1',
        'anthropic-ratelimit-requests-remaining': '0',
        'request-id': 'req_011CSHoEeqs5C35K2UUqR7Fy',
      });
      return true;
    }
    if (body.model.endsWith('-500')) {
      sendJson(response, 500, fixture('anthropic/api-error.json'));
      return true;
    }
    if (body.model.endsWith('-malformed')) {
      sendJson(response, 200, '{"id":"msg_01","type":"message","content":[{"type":"te');
      return true;
    }
    if (body.model.endsWith('-slow')) return hold(response);
    if (body.stream) {
      await sendEvents(
        response,
        sseEvents(fixture(body.tools ? 'anthropic/tool-use-stream.sse' : 'anthropic/message-stream.sse')),
      );
      return true;
    }
    sendJson(response, 200, fixture(body.tools ? 'anthropic/tool-use.json' : 'anthropic/message.json'), {
      'request-id': 'req_018EeWyXxfu5pfWkrYcMdjWG',
    });
    return true;
  });
}

/** The key as sent: `x-api-key`, or (as SDK 1.x sends it) `authorization: Bearer <key>`. */
const apiKeyOf = (request: SeenRequest) =>
  request.headers['x-api-key'] ?? request.headers.authorization?.replace(/^Bearer /, '');

describeModelProviderContract(
  'anthropic',
  async () => {
    const server = await startAnthropicServer();
    return {
      provider: createAnthropicProvider({ apiKey: 'test-key', baseURL: server.url }),
      model: 'claude-sonnet-4-5',
      cleanup: server.close,
    };
  },
  { isLocal: false },
);

describe('createAnthropicProvider against the Messages API wire format', () => {
  let server: WireServer;
  beforeAll(async () => {
    server = await startAnthropicServer();
  });
  afterAll(() => server.close());
  const provider = () => createAnthropicProvider({ apiKey: 'test-key', baseURL: server.url });

  it('sends a Messages API request and maps text, usage (cached tokens included) and stop reason', async () => {
    const result = await provider().generate({
      model: 'claude-sonnet-4-5',
      system: 'Be brief.',
      prompt: 'Hello',
      maxOutputTokens: 100,
      temperature: 0.2,
      stop: ['END'],
    });
    expect(result).toMatchObject({
      text: 'Hello! How can I help?',
      finishReason: 'stop',
      usage: { inputTokens: 20, outputTokens: 9, cachedInputTokens: 8 },
      model: 'claude-sonnet-4-5',
    });
    const sent = server.requests.at(-1)!;
    expect(apiKeyOf(sent)).toBe('test-key');
    expect(sent.headers['anthropic-version']).toBeDefined();
    expect(sent.body).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'Hello' }],
      temperature: 0.2,
      stop_sequences: ['END'],
    });
  });

  it('forces a tool for structured output and streams its JSON', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const result = await provider().generate({ model: 'claude-sonnet-4-5', prompt: 'x', json: schema });
    expect(result.json).toEqual({ answer: 'yes' });
    expect(server.requests.at(-1)!.body).toMatchObject({
      tools: [{ name: 'json_output', input_schema: schema }],
      tool_choice: { type: 'tool', name: 'json_output' },
    });
    const parts: ModelStreamPartV1[] = [];
    for await (const part of provider().stream({ model: 'claude-sonnet-4-5', prompt: 'x', json: schema }))
      parts.push(part);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', json: { answer: 'yes' }, finishReason: 'stop' });
  });

  it('streams SSE deltas with usage from message_start and message_delta', async () => {
    const parts: ModelStreamPartV1[] = [];
    for await (const part of provider().stream({ model: 'claude-sonnet-4-5', prompt: 'Hello' }))
      parts.push(part);
    expect(parts).toEqual([
      { type: 'text-delta', text: 'Hello' },
      { type: 'text-delta', text: '!' },
      {
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 25, outputTokens: 15, cachedInputTokens: 0 },
        model: 'claude-sonnet-4-5',
      },
    ]);
  });

  it('maps a 429 to a retryable ModelCallError with retry-after, and the router retries it', async () => {
    const error = await provider()
      .generate({ model: 'direct-429-once', prompt: 'x' })
      .catch((caught) => caught);
    expect(ModelCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 429, isRetryable: true, providerId: 'claude' });
    expect(error.responseHeaders['retry-after']).toBe('1');
    expect(error.message).toMatch(/per-minute rate limit/);

    const retries: number[] = [];
    const router = createRouter({
      providers: [provider()],
      limits: { claude: { minGapMs: 0 } },
      onEvent: (name, payload) => {
        if (name === 'model:retry') retries.push((payload as { delayMs: number }).delayMs);
      },
    });
    const before = server.requests.length;
    const result = await router.call({ model: 'routed-429-once', prompt: 'x' });
    expect(result).toMatchObject({ text: 'Hello! How can I help?', attempts: 2 });
    expect(retries).toEqual([1000]);
    expect(server.requests.length - before).toBe(2); // the SDK did not retry on its own
  });

  it('maps a 500 to a retryable ModelCallError, sent once (no SDK retries)', async () => {
    const before = server.requests.length;
    const error = await provider()
      .generate({ model: 'x-500', prompt: 'x' })
      .catch((caught) => caught);
    expect(error).toMatchObject({ name: 'ModelCallError', statusCode: 500, isRetryable: true });
    expect(error.message).toMatch(/HTTP 500: Internal server error/);
    expect(server.requests.length - before).toBe(1);
  });

  it('reports a malformed body clearly', async () => {
    const error = await provider()
      .generate({ model: 'x-malformed', prompt: 'x' })
      .catch((caught) => caught);
    expect(error).toMatchObject({ name: 'ModelCallError', isRetryable: false });
    expect(error.message).toMatch(/malformed response/);
  });

  it('aborts a slow response with the caller signal', async () => {
    const started = Date.now();
    const signal = AbortSignal.timeout(200);
    const error = await provider()
      .generate({ model: 'x-slow', prompt: 'x' }, { signal })
      .catch((caught) => caught);
    expect(error).toBe(signal.reason);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('times out a slow response through the router as a retryable failure', async () => {
    const router = createRouter({
      providers: [provider()],
      limits: { claude: { minGapMs: 0 } },
      timeoutMs: 200,
      retry: { maxRetries: 0 },
    });
    const error = await router.call({ model: 'x-slow', prompt: 'x' }).catch((caught) => caught);
    expect(error.lastError).toMatchObject({ name: 'ModelCallError', isRetryable: true });
    expect(error.lastError.message).toMatch(/did not answer within 200 ms/);
  });

  it.each([
    ['offline_mode', { offline_mode: true }],
    ['air_gap_mode', { air_gap_mode: true }],
  ])('refuses a claude call in %s without any connection or key lookup', async (_mode, fleet) => {
    const counting = await startAnthropicServer();
    try {
      const secrets = {
        resolve: () => {
          throw new Error('the key must not be read');
        },
      };
      const router = createRouter({
        providers: [createAnthropicProvider({ baseURL: counting.url, secrets: secrets as never })],
        config: fleetConfigSchema.parse({ fleet }),
      });
      await expect(router.call({ model: 'claude-sonnet-4-5', prompt: 'x' })).rejects.toMatchObject({
        code: 'ROUTER_OFFLINE',
      });
      expect(counting.connections()).toBe(0);
    } finally {
      await counting.close();
    }
  });

  it('finds the key through the secrets store, environment first', async () => {
    const seen: string[] = [];
    const secrets = {
      file: '/nowhere/.secrets',
      resolve: (key: string) => {
        seen.push(key);
        return 'from-secrets';
      },
    };
    await createAnthropicProvider({ baseURL: server.url, secrets: secrets as never }).generate({
      model: 'claude-sonnet-4-5',
      prompt: 'x',
    });
    expect(seen).toEqual(['ANTHROPIC_API_KEY']);
    expect(apiKeyOf(server.requests.at(-1)!)).toBe('from-secrets');
    const missing = createAnthropicProvider({
      baseURL: server.url,
      secrets: { ...secrets, resolve: () => undefined } as never,
    });
    await expect(missing.generate({ model: 'm', prompt: 'x' })).rejects.toMatchObject({
      message: expect.stringMatching(/No API key for claude: none of ANTHROPIC_API_KEY/),
      isRetryable: false,
    });
  });

  it('has no embeddings API', async () => {
    await expect(provider().embed({ model: 'm', texts: ['a'] })).rejects.toMatchObject({
      isRetryable: false,
    });
  });
});
