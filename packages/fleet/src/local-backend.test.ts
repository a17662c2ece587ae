import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseFleetConfig, readEmbeddedOllamaState, writeEmbeddedOllamaState } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { writeTestModel } from '@biged/local-model';
import { afterEach, describe, expect, it } from 'vitest';
import {
  LOCAL_MODELS_HINT_ENV,
  type LocalBackend,
  type LocalModelModule,
  OLLAMA_HOST_ENV,
  startLocalBackend,
} from './local-backend';
import {
  closedPort,
  createRecordingLogger,
  fakeOllamaHandler,
  startTestHttpServer,
  type TestHttpServer,
} from './test-helpers';

let home: TempHome | undefined;
let server: TestHttpServer | undefined;
let backend: LocalBackend | undefined;
afterEach(async () => {
  await backend?.close();
  await server?.close();
  home?.cleanup();
  backend = server = home = undefined;
});

const configWith = (models: Record<string, unknown>) => parseFleetConfig({ models }).config;
const setup = () => {
  home = createTempHome();
  return { home, log: createRecordingLogger() };
};
const warnings = (log: ReturnType<typeof createRecordingLogger>) =>
  log.lines.filter((line) => line.level === 'warn').map((line) => line.message);

// The real package satisfies the structural type the supervisor declares for it.
const realModule: () => Promise<LocalModelModule> = () => import('@biged/local-model');

describe('startLocalBackend', () => {
  it('uses BIGED_OLLAMA_HOST from the environment as it is, without probing', async () => {
    const { home, log } = setup();
    server = await startTestHttpServer(fakeOllamaHandler('hi'));
    backend = await startLocalBackend({
      config: configWith({ ollama_host: server.url }),
      paths: home,
      log,
      env: { [OLLAMA_HOST_ENV]: 'http://127.0.0.1:7' },
    });
    expect(backend.state).toEqual({ kind: 'env', url: 'http://127.0.0.1:7' });
    expect(backend.workerEnv).toEqual({});
    expect(server.requests).toEqual([]);
    expect(backend.describe()).toBe(`ollama at http://127.0.0.1:7 (from ${OLLAMA_HOST_ENV})`);
  });

  it('uses [models] ollama_host when it answers /api/version, even with a GGUF in models/', async () => {
    const { home, log } = setup();
    mkdirSync(home.models, { recursive: true });
    writeFileSync(path.join(home.models, 'tiny.gguf'), 'not read');
    server = await startTestHttpServer(fakeOllamaHandler('hi'));
    backend = await startLocalBackend({
      config: configWith({ ollama_host: server.url, local: 'tiny' }),
      paths: home,
      log,
      env: {},
    });
    expect(backend.state).toEqual({ kind: 'ollama', url: server.url, version: '0.12.0' });
    expect(backend.workerEnv).toEqual({ [OLLAMA_HOST_ENV]: server.url });
    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'GET /api/version',
    ]);
    expect(existsSync(home.embeddedOllama)).toBe(false);
    expect(warnings(log)).toEqual([]);
  });

  it('does not take an HTTP error or a non-Ollama answer for Ollama', async () => {
    const { home, log } = setup();
    server = await startTestHttpServer((_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html>some other server</html>');
    });
    backend = await startLocalBackend({
      config: configWith({ ollama_host: server.url }),
      paths: home,
      log,
      env: {},
    });
    expect(backend.state.kind).toBe('unreachable');
    expect(warnings(log)[0]).toContain('did not answer like Ollama');
    await backend.close();
    await server.close();

    server = await startTestHttpServer((_request, _body, response) => {
      response.writeHead(503);
      response.end();
    });
    backend = await startLocalBackend({
      config: configWith({ ollama_host: server.url }),
      paths: home,
      log,
      env: {},
    });
    expect(backend.state.kind).toBe('unreachable');
    expect(warnings(log)[1]).toContain('HTTP 503');
  });

  it('gives up on a host that accepts the connection but never answers', async () => {
    const { home, log } = setup();
    server = await startTestHttpServer(() => {});
    backend = await startLocalBackend({
      config: configWith({ ollama_host: server.url }),
      paths: home,
      log,
      env: {},
      probeTimeoutMs: 200,
    });
    expect(backend.state.kind).toBe('unreachable');
    expect(warnings(log)).toHaveLength(1);
    expect(warnings(log)[0]).toContain('no answer within 200 ms');
  });

  it('with neither Ollama nor a GGUF: one warning that says what to do, and the advice for workers', async () => {
    const { home, log } = setup();
    const host = `http://127.0.0.1:${await closedPort()}`;
    // Left by a supervisor killed with SIGKILL: its pid no longer runs, so the file is removed.
    writeEmbeddedOllamaState(home, { url: 'http://127.0.0.1:1', pid: 4_194_305, models: [], startedAt: 'x' });
    backend = await startLocalBackend({
      config: configWith({ ollama_host: host, local: 'tiny', conductor_model: 'tiny:latest' }),
      paths: home,
      log,
      env: {},
    });
    expect(backend.state.kind).toBe('unreachable');
    expect(warnings(log)).toHaveLength(1);
    const [warning] = warnings(log);
    expect(warning).toContain(`Ollama does not answer at ${host} (ECONNREFUSED)`);
    expect(warning).toContain(`start Ollama at ${host}, or put tiny.gguf in ${home.models}`);
    expect(backend.workerEnv).toEqual({ [LOCAL_MODELS_HINT_ENV]: warning });
    expect(backend.describe()).toMatch(/^unreachable \(Ollama does not answer at .*put tiny\.gguf in /);
    expect(log.lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(existsSync(home.embeddedOllama)).toBe(false);
  });

  it('says how to turn the embedded backend on when [models] embedded is false', async () => {
    const { home, log } = setup();
    await writeTestModel({ file: path.join(home.models, 'tiny.gguf') });
    backend = await startLocalBackend({
      config: configWith({
        ollama_host: `http://127.0.0.1:${await closedPort()}`,
        local: 'tiny',
        embedded: false,
      }),
      paths: home,
      log,
      env: {},
      importLocalModel: () => Promise.reject(new Error('must not be loaded')),
    });
    expect(backend.state.kind).toBe('unreachable');
    expect(warnings(log)[0]).toContain('[models] embedded is false');
    expect(warnings(log)[0]).toContain('set [models] embedded = true');
  });

  it('names `npm i @biged/local-model` when the optional package is missing', async () => {
    const { home, log } = setup();
    await writeTestModel({ file: path.join(home.models, 'tiny.gguf') });
    const missing = Object.assign(new Error("Cannot find package '@biged/local-model' imported from x"), {
      code: 'ERR_MODULE_NOT_FOUND',
    });
    backend = await startLocalBackend({
      config: configWith({ ollama_host: `http://127.0.0.1:${await closedPort()}`, local: 'tiny' }),
      paths: home,
      log,
      env: {},
      importLocalModel: () => Promise.reject(missing),
    });
    expect(backend.state.kind).toBe('unreachable');
    expect(warnings(log)).toHaveLength(1);
    expect(warnings(log)[0]).toContain('`npm i @biged/local-model`');
    expect(existsSync(home.embeddedOllama)).toBe(false);
  });

  it('reports a backend that fails to start, and continues', async () => {
    const { home, log } = setup();
    await writeTestModel({ file: path.join(home.models, 'tiny.gguf') });
    backend = await startLocalBackend({
      config: configWith({ ollama_host: `http://127.0.0.1:${await closedPort()}`, local: 'tiny' }),
      paths: home,
      log,
      env: {},
      importLocalModel: async () => ({
        defaultThreadCount: () => 1,
        startEmbeddedOllama: () => Promise.reject(new Error('llama.cpp could not be loaded')),
      }),
    });
    expect(backend.state.kind).toBe('unreachable');
    expect(log.lines.find((line) => line.level === 'error')?.fields).toEqual({
      error: 'llama.cpp could not be loaded',
    });
    expect(warnings(log)[0]).toContain(
      'the embedded backend failed to start (llama.cpp could not be loaded)',
    );
  });

  it('refuses a file that is not GGUF with an error naming it, and does not start the backend', async () => {
    const { home, log } = setup();
    mkdirSync(home.models, { recursive: true });
    const bad = path.join(home.models, 'tiny.gguf');
    writeFileSync(bad, Buffer.from('garbage bytes, not a model at all'));
    backend = await startLocalBackend({
      config: configWith({ ollama_host: `http://127.0.0.1:${await closedPort()}`, local: 'tiny' }),
      paths: home,
      log,
      env: {},
      importLocalModel: () => Promise.reject(new Error('must not be loaded')),
    });
    const errors = log.lines.filter((line) => line.level === 'error').map((line) => line.message);
    expect(errors).toEqual([
      `local models: ${bad} is not a GGUF model file (it does not start with the "GGUF" magic bytes); replace it with a GGUF model`,
    ]);
    expect(backend.state.kind).toBe('unreachable');
    expect(warnings(log)).toHaveLength(1);
    expect(warnings(log)[0]).toContain(`${bad} is not a usable GGUF model`);
    expect(warnings(log)[0]).toContain(`replace ${bad} with a GGUF model`);
  });

  it('serves models/ itself when Ollama does not answer: `tiny` matches tiny.gguf', async () => {
    const { home, log } = setup();
    await writeTestModel({ file: path.join(home.models, 'tiny.gguf') });
    backend = await startLocalBackend({
      // Only the conductor names the GGUF; `local` keeps its default, which has no file.
      config: configWith({
        ollama_host: `http://127.0.0.1:${await closedPort()}`,
        conductor_model: 'tiny',
        embedded_threads: 1,
      }),
      paths: home,
      log,
      env: {},
      importLocalModel: realModule,
    });
    expect(backend.state).toMatchObject({ kind: 'embedded', models: ['tiny:latest'], threads: 1 });
    const { url } = backend.state as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(backend.workerEnv).toEqual({ [OLLAMA_HOST_ENV]: url });
    expect(readEmbeddedOllamaState(home)).toMatchObject({ url, pid: process.pid, models: ['tiny:latest'] });
    const tags = (await (await fetch(`${url}/api/tags`)).json()) as { models: { name: string }[] };
    expect(tags.models.map((model) => model.name)).toEqual(['tiny:latest']);
    expect(backend.describe()).toBe(`embedded at ${url} serving tiny:latest`);
    expect(warnings(log)).toEqual([]);

    await backend.close();
    expect(existsSync(home.embeddedOllama)).toBe(false);
    await expect(fetch(`${url}/api/version`)).rejects.toThrow();
    expect(backend.describe()).toBe(`embedded at ${url} serving tiny:latest (stopped)`);
  });
});
