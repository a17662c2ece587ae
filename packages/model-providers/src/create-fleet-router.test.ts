import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  createSecretsStore,
  type FleetPaths,
  fleetPaths,
  parseFleetConfig,
  RouterOfflineError,
  writeEmbeddedOllamaState,
} from '@biged/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFleetRouter } from './create-fleet-router';
import { sendJson, startWireServer, type WireServer } from './test-support/wire-server';

let ollama: WireServer;
let claude: WireServer;
let home: string;
let paths: FleetPaths;

beforeAll(async () => {
  ollama = await startWireServer((request, response) => {
    if (request.path === '/api/embed') {
      const input = (request.body as { input: string[] }).input;
      sendJson(response, 200, {
        model: (request.body as { model: string }).model,
        embeddings: input.map(() => [0.1, 0.2]),
        prompt_eval_count: input.length,
      });
      return true;
    }
    if (request.path !== '/api/chat') return false;
    const body = request.body as { model: string; keep_alive?: string };
    sendJson(response, 200, {
      model: body.model,
      created_at: '2025-10-01T12:00:00Z',
      message: { role: 'assistant', content: `local answer (keep_alive ${body.keep_alive})` },
      done: true,
      done_reason: 'stop',
      prompt_eval_count: 4,
      eval_count: 3,
    });
    return true;
  });
  claude = await startWireServer((request, response) => {
    if (request.path !== '/v1/messages') return false;
    sendJson(response, 200, {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: (request.body as { model: string }).model,
      content: [{ type: 'text', text: 'claude answer' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 5, output_tokens: 2 },
    });
    return true;
  });
});
afterAll(async () => {
  await ollama.close();
  await claude.close();
});
afterEach(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

async function freshHome(toml: Record<string, unknown>) {
  home = await mkdtemp(path.join(tmpdir(), 'biged-fleet-router-'));
  paths = fleetPaths(home);
  return parseFleetConfig(toml).config;
}

describe('createFleetRouter', () => {
  it('localNumGpu: local calls carry options.num_gpu while it says 0, and none once it says undefined', async () => {
    const config = await freshHome({ models: { ollama_host: ollama.url, local: 'qwen3:0.6b' } });
    let numGpu: number | undefined = 0;
    const router = createFleetRouter({ config, paths, env: {}, localNumGpu: () => numGpu });
    const bodies = () =>
      ollama.requests
        .filter((request) => request.path === '/api/chat' || request.path === '/api/embed')
        .map((request) => request.body as { model: string; options?: Record<string, unknown> });
    const before = bodies().length;
    await router.call({ prompt: 'hello', maxOutputTokens: 4 });
    for await (const _part of router.stream({ prompt: 'hello' })) {
      // drained
    }
    await router.embed({ texts: ['a', 'b'] });
    numGpu = undefined;
    await router.call({ prompt: 'hello' });
    const seen = bodies().slice(before);
    expect(seen.map((body) => body.options?.num_gpu)).toEqual([0, 0, 0, undefined]);
    // The other options still travel beside it.
    expect(seen[0]?.options).toEqual({ num_predict: 4, num_gpu: 0 });
    expect(seen[3]?.options).toBeUndefined();
  });

  it('sends local calls to the embedded backend a running supervisor advertises, with the configured model', async () => {
    const config = await freshHome({
      models: { ollama_host: 'http://127.0.0.1:9', local: 'tiny', keep_alive_mins: 5 },
    });
    writeEmbeddedOllamaState(paths, {
      url: ollama.url,
      pid: process.pid,
      models: ['tiny:latest'],
      startedAt: 'now',
    });
    const router = createFleetRouter({ config, paths, env: {} });
    const result = await router.call({ prompt: 'hello', skill: 'summarize' });
    expect(result).toMatchObject({ provider: 'local', model: 'tiny', text: 'local answer (keep_alive 5m)' });
    expect(router.providerIds).toEqual(['local', 'claude', 'gemini']);
  });

  it('calls Claude at the configured base URL with the key from the secrets file', async () => {
    const config = await freshHome({
      models: { claude_base_url: claude.url, claude_model: 'claude-test-1' },
    });
    const secrets = createSecretsStore({ file: path.join(home, 'secrets') });
    secrets.set('ANTHROPIC_API_KEY', 'sk-ant-test-key');
    const router = createFleetRouter({ config, paths, secrets, env: {} });
    const result = await router.call({ provider: 'claude', prompt: 'hello' });
    expect(result).toMatchObject({ provider: 'claude', model: 'claude-test-1', text: 'claude answer' });
    expect(claude.requests.at(-1)?.headers.authorization).toBe('Bearer sk-ant-test-key');
  });

  it('refuses Claude offline without a connection or a key read', async () => {
    const config = await freshHome({
      fleet: { offline_mode: true },
      models: { claude_base_url: claude.url },
    });
    const before = claude.connections();
    const secretsFile = path.join(home, 'secrets');
    await writeFile(secretsFile, 'ANTHROPIC_API_KEY=sk-ant-unused\n', { mode: 0o600 });
    let reads = 0;
    const store = createSecretsStore({ file: secretsFile });
    const counting = new Proxy(store, {
      get(target, property, receiver) {
        if (property === 'resolve' || property === 'get') reads += 1;
        return Reflect.get(target, property, receiver);
      },
    });
    const router = createFleetRouter({ config, paths, secrets: counting, env: {} });
    const failure = await router
      .call({ provider: 'claude', prompt: 'hello' })
      .catch((error: unknown) => error);
    expect(RouterOfflineError.isInstance(failure)).toBe(true);
    expect(claude.connections()).toBe(before);
    expect(reads).toBe(0);
    expect(await readFile(secretsFile, 'utf8')).toContain('sk-ant-unused');
  });

  it('in air-gap mode never opens the secrets file, even for a provider that is allowed', async () => {
    const config = await freshHome({
      fleet: { air_gap_mode: true },
      models: { ollama_host: ollama.url, local: 'tiny' },
    });
    const router = createFleetRouter({ config, paths, env: {} });
    await expect(router.call({ prompt: 'hi' })).resolves.toMatchObject({ provider: 'local' });
    await expect(router.call({ provider: 'gemini', prompt: 'hi' })).rejects.toMatchObject({
      code: 'ROUTER_OFFLINE',
    });
  });
});
