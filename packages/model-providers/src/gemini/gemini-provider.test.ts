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
import { createGeminiProvider } from './gemini-provider';

const JSON_ANSWER = {
  candidates: [
    { content: { parts: [{ text: '{"answer": "yes"}' }], role: 'model' }, finishReason: 'STOP', index: 0 },
  ],
  usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 5, totalTokenCount: 14 },
  modelVersion: 'gemini-2.5-flash',
};

/**
 * The Gemini API on 127.0.0.1: `POST /v1beta/models/<model>:generateContent`, `:streamGenerateContent?alt=sse`
 * and `:batchEmbedContents` / `:embedContent`, answering from __fixtures__/gemini by model name like the
 * Anthropic server (`*-429-once`, `*-500`, `*-malformed`, `*-slow`).
 */
export function startGeminiServer(): Promise<WireServer> {
  const once = createOnce();
  return startWireServer(async (request: SeenRequest, response) => {
    const match = /^\/v1beta\/models\/([^:/?]+):(\w+)(\?.*)?$/.exec(request.path);
    if (request.method !== 'POST' || !match) return false;
    const [, model = '', method, query = ''] = match;
    const body = request.body as { generationConfig?: { responseMimeType?: string }; requests?: unknown[] };
    if (model.endsWith('-429-once') && once(model)) {
      sendJson(response, 429, fixture('gemini/rate-limit-error.json'), { 'retry-after': '1' });
      return true;
    }
    if (model.endsWith('-500')) {
      sendJson(response, 500, fixture('gemini/internal-error.json'));
      return true;
    }
    if (model.endsWith('-malformed')) {
      sendJson(response, 200, '{"candidates": [{"content": ');
      return true;
    }
    if (model.endsWith('-slow')) return hold(response);
    const json = body.generationConfig?.responseMimeType === 'application/json';
    switch (method) {
      case 'generateContent':
        sendJson(response, 200, json ? JSON_ANSWER : fixture('gemini/generate-content.json'));
        return true;
      case 'streamGenerateContent':
        if (!query.includes('alt=sse')) return false;
        await sendEvents(
          response,
          json
            ? [`data: ${JSON.stringify(JSON_ANSWER)}\r\n\r\n`]
            : sseEvents(fixture('gemini/stream-generate-content.sse').replaceAll('\r\n', '\n')),
        );
        return true;
      case 'batchEmbedContents':
        sendJson(response, 200, fixture('gemini/batch-embed-contents.json'));
        return true;
      case 'embedContent':
        sendJson(response, 200, { embedding: { values: [0.1, 0.2, 0.3, 0.4] } });
        return true;
      default:
        return false;
    }
  });
}

describeModelProviderContract(
  'gemini',
  async () => {
    const server = await startGeminiServer();
    return {
      provider: createGeminiProvider({ apiKey: 'test-key', baseUrl: server.url }),
      model: 'gemini-2.5-flash',
      embeddingModel: 'gemini-embedding-001',
      cleanup: server.close,
    };
  },
  { isLocal: false },
);

describe('createGeminiProvider against the Gemini API wire format', () => {
  let server: WireServer;
  beforeAll(async () => {
    server = await startGeminiServer();
  });
  afterAll(() => server.close());
  const provider = () => createGeminiProvider({ apiKey: 'test-key', baseUrl: server.url });

  it('sends generateContent and maps text, usage and finish reason', async () => {
    const result = await provider().generate({
      model: 'gemini-2.5-flash',
      system: 'Be brief.',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello.' },
        { role: 'user', content: 'Again' },
      ],
      maxOutputTokens: 50,
      stop: ['END'],
    });
    expect(result).toMatchObject({
      text: 'Hello! How can I help?',
      finishReason: 'stop',
      usage: { inputTokens: 6, outputTokens: 7, cachedInputTokens: 2 },
      model: 'gemini-2.5-flash',
    });
    const sent = server.requests.at(-1)!;
    expect(sent.path).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe('test-key');
    expect(sent.body).toMatchObject({
      contents: [
        { role: 'user', parts: [{ text: 'Hi' }] },
        { role: 'model', parts: [{ text: 'Hello.' }] },
        { role: 'user', parts: [{ text: 'Again' }] },
      ],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { maxOutputTokens: 50, stopSequences: ['END'] },
    });
  });

  it('sends the schema as responseJsonSchema', async () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const result = await provider().generate({ model: 'gemini-2.5-flash', prompt: 'x', json: schema });
    expect(result.json).toEqual({ answer: 'yes' });
    expect(server.requests.at(-1)!.body).toMatchObject({
      generationConfig: { responseMimeType: 'application/json', responseJsonSchema: schema },
    });
  });

  it('streams SSE chunks (alt=sse)', async () => {
    const parts: ModelStreamPartV1[] = [];
    for await (const part of provider().stream({ model: 'gemini-2.5-flash', prompt: 'x' })) parts.push(part);
    expect(server.requests.at(-1)!.path).toBe(
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
    expect(parts).toEqual([
      { type: 'text-delta', text: 'Hello' },
      { type: 'text-delta', text: '! How can I help?' },
      {
        type: 'finish',
        finishReason: 'stop',
        usage: { inputTokens: 6, outputTokens: 7, cachedInputTokens: 0 },
        model: 'gemini-2.5-flash',
      },
    ]);
  });

  it('embeds several texts', async () => {
    const result = await provider().embed({ model: 'gemini-embedding-001', texts: ['a', 'b'] });
    expect(result.embeddings).toEqual([
      [0.0123, -0.0456, 0.0789, 0.0012],
      [-0.0321, 0.0654, -0.0987, 0.021],
    ]);
  });

  it('maps a 429 with retry-after, and the router retries it once', async () => {
    const error = await provider()
      .generate({ model: 'direct-429-once', prompt: 'x' })
      .catch((caught) => caught);
    expect(ModelCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      statusCode: 429,
      isRetryable: true,
      responseHeaders: { 'retry-after': '1' },
    });
    expect(error.message).toMatch(/RESOURCE_EXHAUSTED|exhausted/);

    const router = createRouter({ providers: [provider()], limits: { gemini: { minGapMs: 0 } } });
    const before = server.requests.length;
    await expect(router.call({ model: 'routed-429-once', prompt: 'x' })).resolves.toMatchObject({
      attempts: 2,
    });
    expect(server.requests.length - before).toBe(2);
  });

  it('maps a 500 to a retryable error, sent once', async () => {
    const before = server.requests.length;
    const error = await provider()
      .generate({ model: 'x-500', prompt: 'x' })
      .catch((caught) => caught);
    expect(error).toMatchObject({ name: 'ModelCallError', statusCode: 500, isRetryable: true });
    expect(server.requests.length - before).toBe(1);
  });

  it('reports a malformed body clearly', async () => {
    const error = await provider()
      .generate({ model: 'x-malformed', prompt: 'x' })
      .catch((caught) => caught);
    expect(error).toMatchObject({ name: 'ModelCallError', isRetryable: false });
    expect(error.message).toMatch(/malformed response \(HTTP 200\)/);
  });

  it('aborts a slow response with the caller signal', async () => {
    const signal = AbortSignal.timeout(200);
    const error = await provider()
      .generate({ model: 'x-slow', prompt: 'x' }, { signal })
      .catch((caught) => caught);
    expect(error).toBe(signal.reason);
  });

  it('refuses a gemini call offline without any connection', async () => {
    const counting = await startGeminiServer();
    try {
      const router = createRouter({
        providers: [createGeminiProvider({ apiKey: 'k', baseUrl: counting.url })],
        config: fleetConfigSchema.parse({ fleet: { offline_mode: true } }),
      });
      await expect(router.call({ model: 'gemini-2.5-flash', prompt: 'x' })).rejects.toMatchObject({
        code: 'ROUTER_OFFLINE',
      });
      await expect(router.embed({ model: 'e', texts: ['x'] })).rejects.toMatchObject({
        code: 'ROUTER_OFFLINE',
      });
      expect(counting.connections()).toBe(0);
    } finally {
      await counting.close();
    }
  });
});
