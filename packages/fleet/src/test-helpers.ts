import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Logger, Task, TaskStatus } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { createQueue, type TaskQueue } from '@biged/queue';
import { runSupervisor } from './run-supervisor';
import type { Supervisor } from './supervisor';

/** The test skills directory, loaded as a third-party `[skills] dirs` entry. */
export const testSkillsDir = fileURLToPath(new URL('./__fixtures__/skills', import.meta.url));

/** Polls `check` until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(
  check: () => T | undefined | false | null,
  timeoutMs = 20_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Waits until task `id` has `status` and returns it. */
export function waitForStatus(
  queue: TaskQueue,
  id: number,
  status: TaskStatus,
  timeoutMs = 20_000,
): Promise<Task> {
  return waitFor(
    () => {
      const task = queue.get(id);
      return task?.status === status ? task : undefined;
    },
    timeoutMs,
    `task ${id} ${status}`,
  );
}

/** A fleet running in the test process (workers are real child processes). */
export interface TestFleet {
  home: TempHome;
  queue: TaskQueue;
  supervisor: Supervisor;
  /** Stops the fleet gracefully and waits for it. */
  stop(): Promise<void>;
}

/** Options for `startTestFleet`. */
export interface StartTestFleetOptions {
  /** Runs on the new home before the supervisor starts (e.g. writes models/tiny.gguf). */
  prepare?: (home: TempHome) => void | Promise<void>;
  /** Environment of the fleet's child processes (e.g. a fake nvidia-smi first on PATH). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** `false`: no hardware monitor, whatever fleet.toml says. */
  hwMonitor?: false;
}

/** A supervisor running in the test process on its own temp home, whatever its queue. */
export interface TestSupervisor {
  home: TempHome;
  supervisor: Supervisor;
  /** Stops the fleet gracefully and waits for it. */
  stop(): Promise<void>;
}

/**
 * Runs `runSupervisor` on a temp home with the given fleet.toml body (the test skills dir is added), until
 * `stop()`. The queue is whatever `[queue]` says (SQLite or PostgreSQL).
 */
export async function startTestSupervisor(
  fleetToml: string,
  options: StartTestFleetOptions = {},
): Promise<TestSupervisor> {
  const home = createTempHome({
    fleetToml: `${fleetToml}\n[skills]\ndirs = [${JSON.stringify(testSkillsDir)}]\n`,
  });
  await options.prepare?.(home);
  const controller = new AbortController();
  let supervisor: Supervisor | undefined;
  const running = runSupervisor({
    home: home.home,
    signal: controller.signal,
    ...(options.env ? { env: options.env } : {}),
    ...(options.hwMonitor === false ? { hwMonitor: false as const } : {}),
    onReady: (ready) => {
      supervisor = ready;
    },
  });
  running.catch(() => {});
  await Promise.race([waitFor(() => supervisor, 30_000, 'fleet ready'), running]);
  return {
    home,
    supervisor: supervisor!,
    async stop() {
      controller.abort();
      await running;
    },
  };
}

/** Starts a fleet on a temp home with the given fleet.toml body (the test skills dir is added). */
export async function startTestFleet(
  fleetToml: string,
  options: StartTestFleetOptions = {},
): Promise<TestFleet> {
  const fleet = await startTestSupervisor(fleetToml, options);
  const queue = createQueue({ file: fleet.home.db });
  return {
    ...fleet,
    queue,
    async stop() {
      await fleet.stop();
      queue.close();
    },
  };
}

/** One line a `RecordingLogger` kept. */
export interface LoggedLine {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** A Logger that keeps every line (children share the list), for assertions on what was logged. */
export function createRecordingLogger(lines: LoggedLine[] = []): Logger & { lines: LoggedLine[] } {
  const at = (level: LoggedLine['level']) => (message: string, fields?: Record<string, unknown>) => {
    lines.push({ level, message, fields });
  };
  return {
    lines,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => createRecordingLogger(lines),
    flush: () => {},
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound once, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A small HTTP server on 127.0.0.1 for tests; `requests` lists `METHOD /path` of every request. */
export interface TestHttpServer {
  url: string;
  requests: { method: string; path: string; body: string }[];
  close(): Promise<void>;
}

/** Starts `handler` on 127.0.0.1 on a free port, with the request body read into a string. */
export async function startTestHttpServer(
  handler: (request: IncomingMessage, body: string, response: ServerResponse) => void,
): Promise<TestHttpServer> {
  const requests: TestHttpServer['requests'] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    requests.push({ method: request.method ?? 'GET', path: request.url ?? '/', body });
    handler(request, body, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers `/api/version` and non-streaming `/api/chat` the way Ollama does, with a fixed reply. */
export function fakeOllamaHandler(reply: string) {
  return (request: IncomingMessage, body: string, response: ServerResponse) => {
    const json = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify(value));
    };
    if (request.url === '/api/version') return json(200, { version: '0.12.0' });
    if (request.url === '/api/chat' && request.method === 'POST') {
      const { model } = JSON.parse(body) as { model: string };
      return json(200, {
        model,
        created_at: new Date().toISOString(),
        message: { role: 'assistant', content: reply },
        done: true,
        done_reason: 'stop',
        total_duration: 1000,
        prompt_eval_count: 3,
        eval_count: 2,
      });
    }
    json(404, { error: `${request.method} ${request.url} not found` });
  };
}

/** A complete hw_state.json (shared with the other packages' tests). */
export { hwStateFixture } from '@biged/hw-monitor/test';
