import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fleetPaths, parseFleetConfig, readEmbeddedOllamaState, resolveOllamaHost } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { writeTestModel } from '@biged/local-model';
import { createUsageLedger } from '@biged/queue';
import { Ollama } from 'ollama';
import { afterEach, describe, expect, it } from 'vitest';
import { startDetached, stopSupervisor } from './detach';
import { isProcessAlive, readSupervisorState } from './supervisor-state';
import {
  closedPort,
  fakeOllamaHandler,
  startTestFleet,
  startTestHttpServer,
  type TestFleet,
  type TestHttpServer,
  waitFor,
  waitForStatus,
} from './test-helpers';

// The supervisor's local model backend end to end: real worker processes, the real SQLite file, and real
// inference on the generated bigram model (one thread: CI machines have few cores).

let fleet: TestFleet | undefined;
let server: TestHttpServer | undefined;
let detachedHome: TempHome | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet?.home.cleanup();
  await server?.close();
  if (detachedHome) await stopSupervisor({ home: detachedHome.home, timeoutMs: 10_000 });
  detachedHome?.cleanup();
  fleet = server = detachedHome = undefined;
});

const FAST = `
[fleet]
hw_monitor = false
heartbeat_interval_secs = 0.2
stale_check_interval_secs = 1
status_interval_secs = 0.5
[workers]
roles = ["coder"]
coder_count = 1
shutdown_grace_secs = 2
[router]
max_retries = 0
min_gap_ms = 0
`;

const models = (fields: string) => `${FAST}\n[models]\nlocal = "tiny"\nembedded_threads = 1\n${fields}\n`;
const writeTiny = async (home: TempHome) => {
  await writeTestModel({ file: path.join(home.models, 'tiny.gguf') });
};

/** Runs test_local_env on a worker: the local-model environment the supervisor gave it. */
const workerEnv = async (fleet: TestFleet) => {
  const task = fleet.queue.enqueue({ skill: 'test_local_env', payload: {} });
  return (await waitForStatus(fleet.queue, task.id, 'DONE', 30_000)).result as {
    host: string | null;
    hint: string | null;
    pid: number;
  };
};

/** The supervisor's log lines (JSON) at `level` (pino: 40 warn, 50 error) whose message contains `text`. */
const supervisorLog = (home: TempHome, level: number, text: string) =>
  readFileSync(path.join(home.logs, 'supervisor.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { level: number; msg: string })
    .filter((line) => line.level === level && line.msg.includes(text));

describe('local model backend (supervisor, workers, real inference)', () => {
  it('serves models/tiny.gguf when ollama_host does not answer: a skill calls it through ctx.models', async () => {
    const host = `http://127.0.0.1:${await closedPort()}`;
    fleet = await startTestFleet(models(`ollama_host = "${host}"`), { prepare: writeTiny });
    const { home } = fleet;

    const state = readEmbeddedOllamaState(home);
    expect(state).toMatchObject({ pid: process.pid, models: ['tiny:latest'] });
    const url = state!.url;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fleet.supervisor.localBackend()?.state).toMatchObject({ kind: 'embedded', url, threads: 1 });
    expect(readFileSync(home.status, 'utf8')).toContain(
      `Local model backend: embedded at ${url} serving tiny:latest.`,
    );

    expect(await workerEnv(fleet)).toMatchObject({ host: url, hint: null });

    const task = fleet.queue.enqueue({ skill: 'test_model_hello', payload: {} });
    const done = await waitForStatus(fleet.queue, task.id, 'DONE', 60_000);
    const result = done.result as { text: string; provider: string; model: string; outputTokens: number };

    // The official client, same server, same request as the router's Ollama provider sends.
    const direct = await new Ollama({ host: url }).chat({
      model: 'tiny',
      messages: [{ role: 'user', content: 'hello' }],
      options: { temperature: 0, num_predict: 8 },
      keep_alive: '30m',
      stream: false,
    });
    expect(direct.message.content.length).toBeGreaterThan(0);
    expect(result).toEqual({
      text: direct.message.content,
      provider: 'local',
      model: 'tiny',
      outputTokens: direct.eval_count,
    });

    const rows = createUsageLedger({ queue: fleet.queue }).listUsage({ skill: 'test_model_hello' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      agent: 'coder_1',
      provider: 'local',
      model: 'tiny',
      ok: true,
      status: 'SETTLED',
      outputTokens: direct.eval_count,
    });

    await fleet.stop();
    expect(existsSync(home.embeddedOllama)).toBe(false);
    await expect(fetch(`${url}/api/version`)).rejects.toThrow();
    expect(readFileSync(home.status, 'utf8')).toContain(`embedded at ${url} serving tiny:latest (stopped)`);
    home.cleanup();
    fleet = undefined;
  }, 90_000);

  it('uses ollama_host when it answers: no embedded backend, workers call that host', async () => {
    server = await startTestHttpServer(fakeOllamaHandler('hello from ollama'));
    fleet = await startTestFleet(models(`ollama_host = "${server.url}"`), { prepare: writeTiny });
    expect(fleet.supervisor.localBackend()?.state).toEqual({
      kind: 'ollama',
      url: server.url,
      version: '0.12.0',
    });
    expect(existsSync(fleet.home.embeddedOllama)).toBe(false);
    expect(readFileSync(fleet.home.status, 'utf8')).toContain(
      `Local model backend: ollama at ${server.url} (version 0.12.0).`,
    );

    const task = fleet.queue.enqueue({ skill: 'test_model_hello', payload: {} });
    const done = await waitForStatus(fleet.queue, task.id, 'DONE', 30_000);
    expect(done.result).toMatchObject({ text: 'hello from ollama', provider: 'local' });
    const chat = server.requests.filter((request) => request.path === '/api/chat');
    expect(chat).toHaveLength(1);
    expect(JSON.parse(chat[0]!.body)).toMatchObject({
      model: 'tiny',
      messages: [{ role: 'user', content: 'hello' }],
      options: { temperature: 0, num_predict: 8 },
    });
    const rows = createUsageLedger({ queue: fleet.queue }).listUsage({ skill: 'test_model_hello' });
    expect(rows.map((row) => [row.provider, row.agent, row.outputTokens])).toEqual([['local', 'coder_1', 2]]);

    // The worker has the host in its environment, and so does the one respawned after it dies.
    const first = await workerEnv(fleet);
    expect(first).toMatchObject({ host: server.url, hint: null });
    process.kill(first.pid, 'SIGKILL');
    await waitFor(
      () => fleet!.supervisor.workers().find((worker) => worker.pid && worker.pid !== first.pid),
      15_000,
      'respawned worker',
    );
    const respawned = await workerEnv(fleet);
    expect(respawned.pid).not.toBe(first.pid);
    expect(respawned).toMatchObject({ host: server.url, hint: null });
  }, 60_000);

  it('with neither Ollama nor a GGUF: the fleet starts, warns once, model tasks fail clearly, others run', async () => {
    const host = `http://127.0.0.1:${await closedPort()}`;
    fleet = await startTestFleet(models(`ollama_host = "${host}"`));
    const { home } = fleet;
    const advice = `start Ollama at ${host}, or put tiny.gguf in ${home.models}`;
    const warnings = supervisorLog(home, 40, 'no local model backend');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.msg).toContain(advice);
    expect(readFileSync(home.status, 'utf8')).toContain('Local model backend: unreachable (');
    expect(await workerEnv(fleet)).toMatchObject({ host: null, hint: warnings[0]!.msg });

    const model = fleet.queue.enqueue({ skill: 'test_model_hello', payload: {}, maxAttempts: 1 });
    const plain = fleet.queue.enqueue({ skill: 'noop', payload: { echo: 1 } });
    const failed = await waitForStatus(fleet.queue, model.id, 'FAILED', 30_000);
    expect(failed.error).toContain('ECONNREFUSED');
    expect(failed.error).toContain(advice);
    await waitForStatus(fleet.queue, plain.id, 'DONE', 30_000);
    // Workers do not repeat the warning.
    expect(supervisorLog(home, 40, 'no local model backend')).toHaveLength(1);
  }, 60_000);

  it('a bad GGUF file: a clear error in the log, the fleet starts, model tasks fail clearly', async () => {
    const host = `http://127.0.0.1:${await closedPort()}`;
    let bad = '';
    fleet = await startTestFleet(models(`ollama_host = "${host}"`), {
      prepare: (home) => {
        bad = path.join(home.models, 'tiny.gguf');
        mkdirSync(home.models, { recursive: true });
        writeFileSync(bad, Buffer.from('this is garbage, not GGUF \u0000\u0001\u0002'.repeat(100)));
      },
    });
    const errors = supervisorLog(fleet.home, 50, bad);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toContain('is not a GGUF model file');
    expect(fleet.supervisor.localBackend()?.state.kind).toBe('unreachable');

    const model = fleet.queue.enqueue({ skill: 'test_model_hello', payload: {}, maxAttempts: 1 });
    const plain = fleet.queue.enqueue({ skill: 'noop', payload: { echo: 2 } });
    const failed = await waitForStatus(fleet.queue, model.id, 'FAILED', 30_000);
    expect(failed.error).toContain(`${bad} is not a usable GGUF model`);
    await waitForStatus(fleet.queue, plain.id, 'DONE', 30_000);
  }, 60_000);

  it('a supervisor killed with SIGKILL leaves a state file that misleads no one', async () => {
    const host = `http://127.0.0.1:${await closedPort()}`;
    detachedHome = createTempHome({ fleetToml: models(`ollama_host = "${host}"`) });
    await writeTiny(detachedHome);
    const script = fileURLToPath(new URL('./__fixtures__/run-supervisor.mjs', import.meta.url));
    const { pid } = await startDetached({ home: detachedHome.home, command: [process.execPath, script] });
    const state = readEmbeddedOllamaState(detachedHome);
    expect(state).toMatchObject({ pid, models: ['tiny:latest'] });
    const workerPids = readSupervisorState(detachedHome.home)!.workers.map((worker) => worker.pid);

    process.kill(pid, 'SIGKILL');
    await waitFor(() => !isProcessAlive(pid), 10_000, 'supervisor gone');
    // Its workers see the IPC channel close and stop.
    await waitFor(() => !workerPids.some(isProcessAlive), 15_000, 'workers gone');
    expect(existsSync(detachedHome.embeddedOllama)).toBe(true);
    expect(readEmbeddedOllamaState(detachedHome)).toBeUndefined();
    const { config } = parseFleetConfig({ models: { ollama_host: host } });
    expect(resolveOllamaHost({ config, paths: fleetPaths(detachedHome.home), env: {} })).toBe(host);
    await expect(fetch(`${state!.url}/api/version`)).rejects.toThrow();
  }, 60_000);
});
