import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createRouter, fleetConfigSchema, ModelCallError, type ModelStreamPartV1 } from '@biged/core';
import { describeModelProviderContract } from '@biged/core/test';
import { type EmbeddedOllama, startEmbeddedOllama, writeTestModel } from '@biged/local-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOnce,
  fixture,
  hold,
  sendJson,
  startWireServer,
  type WireServer,
} from '../test-support/wire-server';
import { createOllamaProvider } from './ollama-provider';

/** The real backend: @biged/local-model's embedded Ollama API serving the generated tiny model. */
async function startRealOllama(): Promise<{ server: EmbeddedOllama; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'biged-model-providers-'));
  await writeTestModel({ file: path.join(dir, 'tiny.gguf') });
  // One thread: the machine has 2 shared cores.
  const server = await startEmbeddedOllama({ modelsDir: dir, threads: 1 });
  return {
    server,
    cleanup: async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

describeModelProviderContract(
  'ollama (embedded backend)',
  async () => {
    const { server, cleanup } = await startRealOllama();
    return {
      provider: createOllamaProvider({ host: server.url }),
      model: 'tiny',
      embeddingModel: 'tiny',
      cleanup,
    };
  },
  { isLocal: true },
);

describe('createOllamaProvider against the embedded Ollama backend', () => {
  let real: Awaited<ReturnType<typeof startRealOllama>>;
  beforeAll(async () => {
    real = await startRealOllama();
  });
  afterAll(() => real?.cleanup());
  const provider = () => createOllamaProvider({ host: real.server.url });

  it('generates with real inference and reports Ollama token counts', async () => {
    const result = await provider().generate({
      model: 'tiny',
      prompt: 'hello',
      maxOutputTokens: 5,
      temperature: 0,
    });
    expect(result.text.length).toBeGreaterThan(0);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeLessThanOrEqual(5);
    expect(['stop', 'length']).toContain(result.finishReason);
  });

  it('streams NDJSON chunks into deltas that add up to the same greedy answer', async () => {
    const request = { model: 'tiny', prompt: 'hello', maxOutputTokens: 6, temperature: 0 };
    const whole = await provider().generate(request);
    const parts: ModelStreamPartV1[] = [];
    for await (const part of provider().stream(request)) parts.push(part);
    const text = parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');
    expect(text).toBe(whole.text);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', usage: whole.usage });
  });

  // Single-property schema and greedy decoding: the embedded backend currently ends some multi-property
  // and sampled structured answers early (after `{` or a `,`, done_reason 'stop'); see the package README.
  it('follows a JSON schema through format', async () => {
    const schema = {
      type: 'object',
      properties: { answer: { type: 'string', enum: ['yes', 'no'] } },
      required: ['answer'],
    };
    const result = await provider().generate({
      model: 'tiny',
      prompt: 'x',
      json: schema,
      maxOutputTokens: 256,
      temperature: 0,
    });
    expect(result.json).toEqual({ answer: expect.stringMatching(/^(yes|no)$/) });
  });

  it('maps a missing model to a non-retryable 404 ModelCallError', async () => {
    const error = await provider()
      .generate({ model: 'nope', prompt: 'x' })
      .catch((caught) => caught);
    expect(ModelCallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 404, isRetryable: false, providerId: 'local' });
    expect(error.message).toMatch(/not found/);
  });

  it('is allowed offline and in air-gap mode, through the router', async () => {
    const router = createRouter({
      providers: [provider()],
      config: fleetConfigSchema.parse({ fleet: { air_gap_mode: true }, models: { local: 'tiny' } }),
      embeddingModels: { local: 'tiny' },
    });
    await expect(router.call({ prompt: 'hi', maxOutputTokens: 3 })).resolves.toMatchObject({
      provider: 'local',
    });
    await expect(router.embed({ texts: ['a'] })).resolves.toMatchObject({ embeddings: [expect.any(Array)] });
  });
});

/**
 * Failures the real backend cannot be made to produce (429, 500, a broken body, a stall) come from a
 * stub that answers in Ollama's wire format (JSON errors `{ "error": "..." }`, NDJSON streams).
 */
describe('createOllamaProvider failure mapping (Ollama wire-format stub)', () => {
  let stub: WireServer;
  beforeAll(async () => {
    const once = createOnce();
    stub = await startWireServer(async (request, response) => {
      const model = (request.body as { model?: string }).model ?? '';
      if (model === 'busy' && once(model)) {
        sendJson(response, 429, { error: 'server busy, please try again' }, { 'retry-after': '1' });
        return true;
      }
      if (model === 'broken') {
        sendJson(response, 500, { error: 'llama runner process has terminated: exit status 2' });
        return true;
      }
      if (model === 'garbled') {
        response
          .writeHead(200, { 'content-type': 'application/x-ndjson' })
          .end(fixture('ollama/truncated-line.chunks.txt'));
        return true;
      }
      if (model === 'slow') return hold(response);
      sendJson(response, 200, {
        model,
        created_at: '2025-10-01T12:00:00Z',
        message: { role: 'assistant', content: 'ok' },
        done: true,
        done_reason: 'stop',
        prompt_eval_count: 3,
        eval_count: 1,
      });
      return true;
    });
  });
  afterAll(() => stub.close());
  const provider = () => createOllamaProvider({ host: stub.url });

  it('retries a 429 through the router, honouring retry-after', async () => {
    const router = createRouter({ providers: [provider()], limits: { local: { minGapMs: 0 } } });
    await expect(router.call({ model: 'busy', prompt: 'x' })).resolves.toMatchObject({
      text: 'ok',
      attempts: 2,
    });
  });

  it('maps a 500 to a retryable ModelCallError with the server message', async () => {
    const error = await provider()
      .generate({ model: 'broken', prompt: 'x' })
      .catch((caught) => caught);
    expect(error).toMatchObject({ name: 'ModelCallError', statusCode: 500, isRetryable: true });
  });

  it('turns a broken NDJSON stream into an error part, never swallowing it', async () => {
    const parts: ModelStreamPartV1[] = [];
    for await (const part of provider().stream({ model: 'garbled', prompt: 'x' })) parts.push(part);
    expect(parts.slice(0, 2)).toEqual([
      { type: 'text-delta', text: 'Hel' },
      { type: 'text-delta', text: 'lo' },
    ]);
    expect(parts.at(-1)).toMatchObject({ type: 'error', error: { name: 'ModelCallError' } });
    expect(parts.some((part) => part.type === 'finish')).toBe(false);
  });

  it('aborts a slow response with the caller signal', async () => {
    const signal = AbortSignal.timeout(200);
    const error = await provider()
      .generate({ model: 'slow', prompt: 'x' }, { signal })
      .catch((caught) => caught);
    expect(error).toBe(signal.reason);
  });
});
