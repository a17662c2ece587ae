import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { OllamaAdminError } from './errors';
import { createOllamaAdmin } from './ollama-admin';
import { type FakeOllama, startFakeOllama } from './test/fake-ollama';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');

/** A port nothing listens on (bound, then closed). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function rejection(promise: Promise<unknown>): Promise<OllamaAdminError> {
  try {
    await promise;
  } catch (error) {
    if (OllamaAdminError.isInstance(error)) return error;
    throw new Error(`expected an OllamaAdminError, got ${String(error)}`);
  }
  throw new Error('expected a rejection');
}

describe('createOllamaAdmin against a local HTTP server', () => {
  let fake: FakeOllama;
  afterEach(async () => fake?.close());

  it("reads /api/ps in Ollama's shape (recorded-format fixture)", async () => {
    fake = await startFakeOllama();
    fake.override('/api/ps', { status: 200, body: fixture('ollama-ps.json') });
    const admin = createOllamaAdmin({ host: `${fake.url}/` });
    expect(await admin.ps()).toEqual([
      { name: 'qwen3:8b', sizeMb: 6346, vramMb: 6346, expiresAt: '2026-11-24T14:32:10.123456789Z' },
      { name: 'qwen3:4b', sizeMb: 3313, vramMb: 0, expiresAt: '2026-11-24T14:05:44.987654321Z' },
    ]);
    expect(admin.host).toBe(fake.url);
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/api/ps' });
  });

  it('keepAlive loads with an empty prompt; unload sends keep_alive 0', async () => {
    fake = await startFakeOllama();
    const admin = createOllamaAdmin({ host: fake.url });
    await admin.keepAlive('qwen3:8b', { keepAlive: '30m' });
    await admin.keepAlive('qwen3:0.6b', { keepAlive: '30m', cpuOnly: true });
    expect(fake.loaded()).toEqual(['qwen3:8b', 'qwen3:0.6b']);
    expect((await admin.ps()).map((model) => [model.name, model.vramMb])).toEqual([
      ['qwen3:8b', 1000],
      ['qwen3:0.6b', 0],
    ]);
    await admin.unload('qwen3:8b');
    expect(fake.loaded()).toEqual(['qwen3:0.6b']);
    expect(
      fake.requests.filter((request) => request.path === '/api/generate').map((request) => request.body),
    ).toEqual([
      { model: 'qwen3:8b', prompt: '', stream: false, keep_alive: '30m' },
      { model: 'qwen3:0.6b', prompt: '', stream: false, keep_alive: '30m', options: { num_gpu: 0 } },
      { model: 'qwen3:8b', prompt: '', stream: false, keep_alive: 0 },
    ]);
  });

  it("a model that was never pulled: OLLAMA_HTTP_ERROR with Ollama's message", async () => {
    fake = await startFakeOllama({ pulled: ['qwen3:8b'] });
    fake.override('/api/generate', { status: 404, body: fixture('ollama-generate-not-found.json') });
    const error = await rejection(
      createOllamaAdmin({ host: fake.url }).keepAlive('qwen3:14b', { keepAlive: '5m' }),
    );
    expect(error.code).toBe('OLLAMA_HTTP_ERROR');
    expect(error.statusCode).toBe(404);
    expect(error.message).toContain('model "qwen3:14b" not found, try pulling it first');
  });

  it.each([
    ['not JSON', { status: 200, body: 'Ollama is running' }, /not JSON/],
    ['no models list', { status: 200, body: { running: [] } }, /without a "models" list/],
  ])('/api/ps answering %s: OLLAMA_BAD_RESPONSE', async (_label, answer, message) => {
    fake = await startFakeOllama();
    fake.override('/api/ps', answer);
    const error = await rejection(createOllamaAdmin({ host: fake.url }).ps());
    expect(error.code).toBe('OLLAMA_BAD_RESPONSE');
    expect(error.message).toMatch(message);
  });

  it('a generate answer without done: true is a bad response', async () => {
    fake = await startFakeOllama();
    fake.override('/api/generate', { status: 200, body: { error: 'weird' } });
    const error = await rejection(
      createOllamaAdmin({ host: fake.url }).keepAlive('qwen3:8b', { keepAlive: '5m' }),
    );
    expect(error.code).toBe('OLLAMA_BAD_RESPONSE');
  });

  it('an oversized body is refused', async () => {
    fake = await startFakeOllama();
    fake.override('/api/ps', { status: 200, body: `{"models":[${'0,'.repeat(2_200_000)}0]}` });
    const error = await rejection(createOllamaAdmin({ host: fake.url }).ps());
    expect(error.code).toBe('OLLAMA_BAD_RESPONSE');
    expect(error.message).toMatch(/more than/);
  });

  it('a 500 is an HTTP error with its status', async () => {
    fake = await startFakeOllama();
    fake.override('/api/ps', { status: 500, body: { error: 'llama runner process has terminated' } });
    const error = await rejection(createOllamaAdmin({ host: fake.url }).ps());
    expect(error).toMatchObject({ code: 'OLLAMA_HTTP_ERROR', statusCode: 500, path: '/api/ps' });
    expect(error.message).toContain('llama runner process has terminated');
  });

  it('nothing listening: OLLAMA_UNREACHABLE with a hint naming ollama_host', async () => {
    const host = `http://127.0.0.1:${await deadPort()}`;
    const error = await rejection(createOllamaAdmin({ host }).ps());
    expect(error).toMatchObject({ code: 'OLLAMA_UNREACHABLE', host });
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.hint).toMatch(/ollama_host/);
  });

  it('a server that never answers: OLLAMA_UNREACHABLE after the timeout', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const host = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const error = await rejection(createOllamaAdmin({ host, timeoutMs: 200 }).ps());
      expect(error.code).toBe('OLLAMA_UNREACHABLE');
      expect(error.message).toMatch(/no answer within 200 ms/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
