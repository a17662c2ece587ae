import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { Ollama } from 'ollama';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultThreadCount, type EmbeddedOllama, startEmbeddedOllama } from './embedded-ollama-server';
import { writeTestModel } from './make-test-model';

// Real inference end to end: the official `ollama` client against the embedded server serving the
// generated bigram model. Greedy decoding (temperature 0) makes every output exact.
describe('startEmbeddedOllama', () => {
  let dir: string;
  let server: EmbeddedOllama;
  let ollama: Ollama;
  const greedy = { temperature: 0 };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'biged-embedded-ollama-'));
    await writeTestModel({ file: path.join(dir, 'tiny.gguf') });
    // One thread: the machine has 2 cores and the default thread count is far slower there.
    server = await startEmbeddedOllama({ modelsDir: dir, threads: 1 });
    ollama = new Ollama({ host: server.url });
  });

  afterAll(async () => {
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (pathname: string, body: string) =>
    fetch(`${server.url}${pathname}`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
  const cosine = (a: number[], b: number[]) => a.reduce((sum, value, index) => sum + value * b[index]!, 0);

  it('listens on 127.0.0.1 and answers the liveness, version and tags calls', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.threads).toBe(1);
    expect(await (await fetch(server.url)).text()).toBe('Ollama is running');
    expect(await ollama.version()).toMatchObject({
      version: expect.any(String),
      server: 'biged-local-model',
    });
    const { models } = await ollama.list();
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({
      name: 'tiny:latest',
      model: 'tiny:latest',
      size: 3_755_424,
      details: { format: 'gguf', family: 'llama', parameter_size: '936.58K', quantization_level: 'F32' },
    });
  });

  it('generates the exact greedy continuation of a raw prompt', async () => {
    const response = await ollama.generate({ model: 'tiny', prompt: 'the qu', raw: true, options: greedy });
    expect(response).toMatchObject({
      model: 'tiny',
      response: 'mps log.',
      done: true,
      done_reason: 'stop',
      // <s> + "the qu" (6 tokens); "mps log." is 8 tokens, the end token not counted.
      prompt_eval_count: 7,
      eval_count: 8,
    });
    expect(response.total_duration).toBeGreaterThan(0);
    expect(response.eval_duration).toBeGreaterThan(0);
  });

  it('wraps /api/generate prompts in the chat template unless raw', async () => {
    const response = await ollama.generate({ model: 'tiny:latest', prompt: 'the qu', options: greedy });
    // "user: the qu\nassistant: " (25 tokens + <s>) continues with "log."
    expect(response).toMatchObject({
      response: 'log.',
      done_reason: 'stop',
      prompt_eval_count: 26,
      eval_count: 4,
    });
  });

  it('streams chunks that add up to the same text', async () => {
    const parts = [];
    for await (const part of await ollama.generate({
      model: 'tiny',
      prompt: 'the qu',
      raw: true,
      stream: true,
      options: greedy,
    })) {
      parts.push(part);
    }
    const last = parts.at(-1)!;
    expect(parts.length).toBeGreaterThan(2);
    expect(parts.slice(0, -1).every((part) => !part.done)).toBe(true);
    expect(parts.map((part) => part.response).join('')).toBe('mps log.');
    expect(last).toMatchObject({ done: true, done_reason: 'stop', eval_count: 8, prompt_eval_count: 7 });
  });

  it("stops at num_predict with done_reason 'length', and at stop strings", async () => {
    const limited = await ollama.generate({
      model: 'tiny',
      prompt: 'the qu',
      raw: true,
      options: { ...greedy, num_predict: 3 },
    });
    expect(limited).toMatchObject({ response: 'mps', done_reason: 'length', eval_count: 3 });
    const stopped = await ollama.generate({
      model: 'tiny',
      prompt: 'the qu',
      raw: true,
      options: { ...greedy, stop: [' l'] },
    });
    expect(stopped).toMatchObject({ response: 'mps', done_reason: 'stop' });
  });

  it('chats, streaming or not', async () => {
    const messages = [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hello' },
    ];
    const response = await ollama.chat({ model: 'tiny', messages, options: greedy });
    expect(response.message).toEqual({ role: 'assistant', content: 'log.' });
    expect(response).toMatchObject({ done: true, done_reason: 'stop', eval_count: 4 });
    expect(response.prompt_eval_count).toBeGreaterThan(10);
    let streamed = '';
    for await (const part of await ollama.chat({ model: 'tiny', messages, options: greedy, stream: true })) {
      streamed += part.message.content;
    }
    expect(streamed).toBe('log.');
  });

  it('returns valid JSON for a JSON-schema format, even from this tiny model', async () => {
    const response = await ollama.generate({
      model: 'tiny',
      prompt: 'the qu',
      raw: true,
      options: greedy,
      format: {
        type: 'object',
        properties: {
          answer: { type: 'string', enum: ['yes', 'no'] },
          sure: { type: 'boolean' },
          note: { type: 'string', maxLength: 12 },
          count: { type: 'integer' },
        },
        required: ['answer', 'sure', 'note', 'count'],
      },
    });
    expect(response.done_reason).toBe('stop');
    const value = JSON.parse(response.response ?? '') as Record<string, unknown>;
    expect(Object.keys(value).sort()).toEqual(['answer', 'count', 'note', 'sure']);
    expect(['yes', 'no']).toContain(value.answer);
    expect(typeof value.sure).toBe('boolean');
    expect(typeof value.note).toBe('string');
    expect((value.note as string).length).toBeLessThanOrEqual(12);
    expect(Number.isInteger(value.count)).toBe(true);

    const chat = await ollama.chat({
      model: 'tiny',
      messages: [{ role: 'user', content: 'hello' }],
      options: greedy,
      format: 'json',
    });
    expect(() => JSON.parse(chat.message.content)).not.toThrow();
  });

  it('embeds: unit vectors of the model width, similar texts closer', async () => {
    const response = await ollama.embed({
      model: 'tiny',
      input: ['the lazy dog', 'the lazy dog.', 'ZZZZ 1234'],
    });
    const [dog, dogDot, noise] = response.embeddings as [number[], number[], number[]];
    expect(response.embeddings).toHaveLength(3);
    for (const vector of response.embeddings) {
      expect(vector).toHaveLength(384);
      expect(cosine(vector, vector)).toBeCloseTo(1, 5);
    }
    expect(cosine(dog, dogDot)).toBeGreaterThan(cosine(dog, noise));
    expect(cosine(dog, dogDot)).toBeGreaterThan(0.9);
    expect(response.prompt_eval_count).toBeGreaterThan(0);
    const legacy = await ollama.embeddings({ model: 'tiny', prompt: 'the lazy dog' });
    expect(legacy.embedding).toHaveLength(384);
  });

  it('answers an unknown model with 404 and Ollama’s message', async () => {
    const notFound = { status_code: 404, error: 'model "nope" not found, try pulling it first' };
    await expect(ollama.generate({ model: 'nope', prompt: 'x' })).rejects.toMatchObject(notFound);
    await expect(
      ollama.chat({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toMatchObject(notFound);
    await expect(ollama.embed({ model: 'nope', input: 'x' })).rejects.toMatchObject(notFound);
  });

  it('answers malformed requests with 400 and keeps serving', async () => {
    for (const body of [
      '{bad',
      '[1]',
      '',
      '{"prompt":"x"}',
      '{"model":"tiny","options":{"temperature":"hot"}}',
    ]) {
      const response = await post('/api/generate', body);
      expect(response.status, body).toBe(400);
      expect(await response.json()).toEqual({ error: expect.any(String) });
    }
    const badFormat = await post(
      '/api/chat',
      JSON.stringify({ model: 'tiny', format: 'yaml', messages: [] }),
    );
    expect(badFormat.status).toBe(400);
    expect((await fetch(`${server.url}/api/nothing`)).status).toBe(404);
    expect((await fetch(`${server.url}/api/generate`)).status).toBe(405);
    const after = await ollama.generate({ model: 'tiny', prompt: 'the qu', raw: true, options: greedy });
    expect(after.response).toBe('mps log.');
  });

  it('survives a client that hangs up mid-stream', async () => {
    const client = new Ollama({ host: server.url });
    const stream = await client.generate({
      model: 'tiny',
      prompt: 'ZZZZ',
      raw: true,
      stream: true,
      options: { temperature: 2, seed: 1, top_k: 0, top_p: 1, num_predict: 10_000 },
    });
    let chunks = 0;
    await expect(
      (async () => {
        for await (const _ of stream) if (++chunks === 5) client.abort();
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    const after = await ollama.generate({ model: 'tiny', prompt: 'the qu', raw: true, options: greedy });
    expect(after.response).toBe('mps log.');
  });

  it('serves concurrent requests without mixing up the context', async () => {
    const generate = () =>
      ollama
        .generate({ model: 'tiny', prompt: 'the qu', raw: true, options: greedy })
        .then((r) => r.response);
    const chat = () =>
      ollama
        .chat({ model: 'tiny', messages: [{ role: 'user', content: 'hello' }], options: greedy })
        .then((r) => r.message.content);
    const embed = () =>
      ollama.embed({ model: 'tiny', input: 'the lazy dog' }).then((r) => r.embeddings[0]!.length);
    expect(await Promise.all([generate(), chat(), embed(), generate(), chat()])).toEqual([
      'mps log.',
      'log.',
      384,
      'mps log.',
      'log.',
    ]);
  });

  it('loads and unloads with keep_alive, and lets idle models expire', async () => {
    // Load only (no prompt), kept forever.
    const loaded = await ollama.generate({ model: 'tiny', prompt: '', keep_alive: -1 });
    expect(loaded).toMatchObject({ done: true, done_reason: 'load' });
    let { models } = await ollama.ps();
    expect(models.map((model) => model.name)).toEqual(['tiny:latest']);
    expect(new Date(models[0]!.expires_at).getFullYear()).toBeGreaterThan(9999);
    expect(server.loadedModels()).toMatchObject([{ name: 'tiny:latest', contextSize: 2048 }]);

    // keep_alive 0 on a real request: answered, then unloaded.
    const once = await ollama.generate({
      model: 'tiny',
      prompt: 'the qu',
      raw: true,
      options: greedy,
      keep_alive: 0,
    });
    expect(once.response).toBe('mps log.');
    expect((await ollama.ps()).models).toEqual([]);

    // A short keep-alive expires on its own (the timer is unref'd, so it never holds the process).
    await ollama.chat({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], keep_alive: '200ms' });
    ({ models } = await ollama.ps());
    expect(models).toHaveLength(1);
    const deadline = Date.now() + 5000;
    while ((await ollama.ps()).models.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await ollama.ps()).models).toEqual([]);

    // Load, then unload explicitly with an empty chat and keep_alive 0.
    await ollama.chat({ model: 'tiny', messages: [], keep_alive: '5m' });
    expect((await ollama.ps()).models).toHaveLength(1);
    const unloaded = await ollama.chat({ model: 'tiny', messages: [], keep_alive: 0 });
    expect(unloaded).toMatchObject({ done: true, done_reason: 'unload' });
    expect((await ollama.ps()).models).toEqual([]);
  });
});

describe('startEmbeddedOllama with several models', () => {
  it('keeps at most maxLoadedModels, unloading the least recently used idle one, and closes cleanly', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'biged-embedded-ollama-'));
    try {
      await writeTestModel({ file: path.join(dir, 'one.gguf') });
      await copyFile(path.join(dir, 'one.gguf'), path.join(dir, 'two:q1.gguf'));
      const server = await startEmbeddedOllama({ modelsDir: dir, threads: 1, maxLoadedModels: 1 });
      const ollama = new Ollama({ host: server.url });
      try {
        expect((await ollama.list()).models.map((model) => model.name)).toEqual(['one:latest', 'two:q1']);
        await ollama.generate({ model: 'one', prompt: '' });
        const response = await ollama.generate({
          model: 'two:q1',
          prompt: 'the qu',
          raw: true,
          options: { temperature: 0 },
        });
        expect(response.response).toBe('mps log.');
        expect((await ollama.ps()).models.map((model) => model.name)).toEqual(['two:q1']);
        await expect(ollama.generate({ model: 'two', prompt: 'x' })).rejects.toMatchObject({
          status_code: 404,
        });
      } finally {
        await server.close();
      }
      expect(server.loadedModels()).toEqual([]);
      await expect(fetch(`${server.url}/api/version`)).rejects.toThrow();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('defaultThreadCount', () => {
  it('leaves a core for the fleet and stays within 1..8', () => {
    const threads = defaultThreadCount();
    expect(threads).toBeGreaterThanOrEqual(1);
    expect(threads).toBeLessThanOrEqual(8);
    expect(threads).toBeLessThanOrEqual(Math.max(1, availableParallelism() - 1));
  });
});
