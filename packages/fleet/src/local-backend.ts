import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import path from 'node:path';
import {
  type FleetConfig,
  type FleetPaths,
  type Logger,
  readEmbeddedOllamaState,
  removeEmbeddedOllamaState,
  toError,
  writeEmbeddedOllamaState,
} from '@biged/core';

// NOTE: docs/architecture.md ("Local models") describes this decision; keep both in sync.

/** Default time the supervisor waits for `GET <ollama_host>/api/version`: 1.5 s. */
export const DEFAULT_OLLAMA_PROBE_TIMEOUT_MS = 1500;

/** The environment variable that tells workers (and `createFleetRouter`) which Ollama API to use. */
export const OLLAMA_HOST_ENV = 'BIGED_OLLAMA_HOST';

/**
 * The environment variable that carries the supervisor's "no local model backend" advice to workers, so a
 * task whose local model call cannot connect says what to do rather than only `ECONNREFUSED`.
 */
export const LOCAL_MODELS_HINT_ENV = 'BIGED_LOCAL_MODELS_HINT';

/**
 * The environment variable that tells workers which kind of local backend the supervisor decided
 * (`env`, `ollama`, `embedded`, `unreachable`): the embedded backend serves only the GGUF files it has,
 * so workers do not switch it to the hardware monitor's tier models.
 */
export const LOCAL_BACKEND_KIND_ENV = 'BIGED_LOCAL_BACKEND';

/**
 * The part of `@biged/local-model` the supervisor uses. Declared here, not imported, because the package
 * is an optional peer dependency: fleet's published types must not need it.
 */
export interface LocalModelModule {
  startEmbeddedOllama(options: {
    modelsDir: string;
    host?: string;
    port?: number;
    threads?: number;
    log?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
  }): Promise<{ url: string; close(): Promise<void> }>;
  defaultThreadCount(): number;
}

/**
 * Which server answers the Ollama API for this fleet, decided once by the supervisor before it forks workers.
 * - `env`: `BIGED_OLLAMA_HOST` was set in the supervisor's environment and is used as it is (not probed).
 * - `ollama`: `[models] ollama_host` answered `GET /api/version`.
 * - `embedded`: it did not, so the supervisor serves the GGUF files of `<home>/models` itself.
 * - `unreachable`: neither; skills that call a local model fail with `hint`, the others still run.
 */
export type LocalBackendState =
  | { kind: 'env'; url: string }
  | { kind: 'ollama'; url: string; version: string }
  | { kind: 'embedded'; url: string; models: string[]; threads: number }
  | { kind: 'unreachable'; url: string; problem: string; advice: string; hint: string };

/** A decided local backend; `close()` stops the embedded server when there is one. */
export interface LocalBackend {
  readonly state: LocalBackendState;
  /** Environment variables every worker gets (respawned ones too). */
  readonly workerEnv: Readonly<Record<string, string>>;
  /** One line for STATUS.md, e.g. `embedded at http://127.0.0.1:40123 serving tiny:latest`. */
  describe(): string;
  /** Stops the embedded server (if any) and removes `run/embedded-ollama.json`. Safe to call twice. */
  close(): Promise<void>;
}

/** Options for `startLocalBackend`. */
export interface StartLocalBackendOptions {
  /** `[models] ollama_host`, `local`, `conductor_model`, `embedded`, `embedded_threads`. */
  config: FleetConfig;
  /** The fleet home: `models/` (GGUF files) and `run/embedded-ollama.json`. */
  paths: Pick<FleetPaths, 'models' | 'embeddedOllama'>;
  /** Where the decision, and any problem, is logged. */
  log: Logger;
  /** The supervisor's environment (`BIGED_OLLAMA_HOST`). Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** How long the probe of `ollama_host` waits. Default 1500 ms. */
  probeTimeoutMs?: number;
  /** The fetch the probe uses. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Loads `@biged/local-model`. Default: a dynamic `import()` (tests pass a failing loader). */
  importLocalModel?: () => Promise<LocalModelModule>;
}

const NO_ENV: Readonly<Record<string, string>> = Object.freeze({});

/** Ollama's name for `<basename>.gguf`: `<basename>:latest` unless it carries a tag (as local-model names it). */
function canonicalModelName(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

/** The file a model name is served from: `tiny` and `tiny:latest` are `tiny.gguf`. */
function ggufFileName(name: string): string {
  return `${name.endsWith(':latest') ? name.slice(0, -':latest'.length) : name}.gguf`;
}

/** Why a file is not a loadable GGUF model, or undefined when its header looks right. */
function ggufProblem(file: string): string | undefined {
  const header = Buffer.alloc(8);
  let read = 0;
  try {
    const descriptor = openSync(file, 'r');
    try {
      read = readSync(descriptor, header, 0, 8, 0);
    } finally {
      closeSync(descriptor);
    }
  } catch (error) {
    return `cannot be read: ${toError(error).message}`;
  }
  if (read < 8 || header.toString('latin1', 0, 4) !== 'GGUF') {
    return 'is not a GGUF model file (it does not start with the "GGUF" magic bytes)';
  }
  const version = header.readUInt32LE(4);
  if (version < 2 || version > 3) return `has GGUF version ${version}; llama.cpp reads versions 2 and 3`;
  return undefined;
}

/** `*.gguf` files directly in `dir`, by canonical model name. A missing folder has none. */
function listGgufFiles(dir: string): Map<string, string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return new Map();
  }
  return new Map(
    entries
      .filter((entry) => entry.endsWith('.gguf'))
      .sort()
      .map((entry) => [canonicalModelName(entry.slice(0, -'.gguf'.length)), path.join(dir, entry)]),
  );
}

type ProbeResult = { ok: true; version: string } | { ok: false; reason: string };

/** `GET <url>/api/version` within the timeout; ok only for an answer shaped like Ollama's. */
async function probeOllama(url: string, timeoutMs: number, fetchImpl: typeof fetch): Promise<ProbeResult> {
  let target: URL;
  try {
    target = new URL('/api/version', url);
  } catch {
    return { ok: false, reason: `"${url}" is not a URL` };
  }
  try {
    const response = await fetchImpl(target, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, reason: `GET /api/version answered HTTP ${response.status}` };
    }
    const body = (await response.json().catch(() => undefined)) as { version?: unknown } | undefined;
    if (typeof body?.version !== 'string') {
      return { ok: false, reason: 'GET /api/version did not answer like Ollama (no "version")' };
    }
    return { ok: true, version: body.version };
  } catch (error) {
    const failure = toError(error);
    if (failure.name === 'TimeoutError') return { ok: false, reason: `no answer within ${timeoutMs} ms` };
    const code = (failure.cause as { code?: unknown } | undefined)?.code;
    return { ok: false, reason: typeof code === 'string' ? code : failure.message };
  }
}

const isModuleNotFound = (error: unknown) => {
  const { code, message } = toError(error) as Error & { code?: unknown };
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes('@biged/local-model')
  );
};

function backend(
  state: LocalBackendState,
  workerEnv: Readonly<Record<string, string>>,
  close: () => Promise<void> = async () => {},
): LocalBackend {
  let closed: Promise<void> | undefined;
  return {
    state,
    workerEnv,
    describe() {
      switch (state.kind) {
        case 'env':
          return `ollama at ${state.url} (from ${OLLAMA_HOST_ENV})`;
        case 'ollama':
          return `ollama at ${state.url} (version ${state.version})`;
        case 'embedded':
          return `embedded at ${state.url} serving ${state.models.join(', ') || 'no models'}${closed ? ' (stopped)' : ''}`;
        case 'unreachable':
          return `unreachable (${state.problem}; ${state.advice})`;
      }
    },
    close() {
      closed ??= close();
      return closed;
    },
  };
}

/**
 * Decides how the fleet reaches local models, once, before the supervisor forks its workers:
 * 1. `BIGED_OLLAMA_HOST` in the supervisor's environment wins, unprobed (workers inherit it).
 * 2. Else `GET [models] ollama_host/api/version` (1.5 s): when Ollama answers, workers use it.
 * 3. Else, when `[models] embedded` is true and `[models] local` or `conductor_model` names a GGUF file in
 *    `<home>/models` (`tiny` and `tiny:latest` both mean `tiny.gguf`), it loads `@biged/local-model`
 *    (an optional peer dependency, imported only now), serves that folder on 127.0.0.1 on a free port with
 *    `[models] embedded_threads` (default: sized to the machine), and writes `run/embedded-ollama.json`.
 * 4. Else it logs one warning that says what to do (start Ollama at the host, or put `<model>.gguf` in the
 *    models folder) and the fleet runs without local models.
 * Workers get `BIGED_OLLAMA_HOST` for 2 and 3, or the advice for 4. Never throws: a backend that cannot
 * start is logged and reported as `unreachable`.
 */
export async function startLocalBackend(options: StartLocalBackendOptions): Promise<LocalBackend> {
  const { config, paths, log } = options;
  const env = options.env ?? process.env;
  const fromEnv = env[OLLAMA_HOST_ENV];
  // run/ belongs to this supervisor: a state file whose writer is gone (a SIGKILLed supervisor) is stale.
  const advertised = readEmbeddedOllamaState(paths);
  if (!advertised) removeEmbeddedOllamaState(paths);
  else if (advertised.pid !== process.pid) {
    log.warn('another process advertises an embedded local-model backend for this home', advertised);
  }

  if (fromEnv) {
    log.info('local models: using the Ollama API from the environment', { url: fromEnv });
    return backend({ kind: 'env', url: fromEnv }, NO_ENV);
  }

  const host = config.models.ollama_host;
  const timeoutMs = options.probeTimeoutMs ?? DEFAULT_OLLAMA_PROBE_TIMEOUT_MS;
  const probe = await probeOllama(host, timeoutMs, options.fetch ?? globalThis.fetch);
  if (probe.ok) {
    log.info('local models: Ollama answers', { url: host, version: probe.version });
    return backend({ kind: 'ollama', url: host, version: probe.version }, { [OLLAMA_HOST_ENV]: host });
  }

  const wanted = [...new Set([config.models.local, config.models.conductor_model].map(canonicalModelName))];
  const firstFile = ggufFileName(wanted[0]!);
  const startOllama = `start Ollama at ${host}`;
  const unreachable = (problem: string, advice: string) => {
    const hint = `no local model backend: ${problem}; ${advice}`;
    log.warn(hint, { ollamaHost: host, probe: probe.reason, modelsDir: paths.models });
    return backend(
      { kind: 'unreachable', url: host, problem, advice, hint },
      { [LOCAL_MODELS_HINT_ENV]: hint },
    );
  };
  const noOllama = `Ollama does not answer at ${host} (${probe.reason})`;

  if (!config.models.embedded) {
    return unreachable(
      `${noOllama} and [models] embedded is false`,
      `${startOllama}, or set [models] embedded = true and put ${firstFile} in ${paths.models}`,
    );
  }
  const files = listGgufFiles(paths.models);
  const served: string[] = [];
  for (const [name, file] of files) {
    const problem = ggufProblem(file);
    if (problem) log.error(`local models: ${file} ${problem}; replace it with a GGUF model`, { model: name });
    else served.push(name);
  }
  const configured = wanted.filter((name) => served.includes(name));
  if (configured.length === 0) {
    const broken = wanted.filter((name) => files.has(name)).map((name) => files.get(name)!);
    return unreachable(
      broken.length > 0
        ? `${noOllama} and ${broken.join(', ')} ${broken.length === 1 ? 'is' : 'are'} not a usable GGUF model`
        : `${noOllama} and ${paths.models} has no GGUF file for ${wanted.join(' or ')}`,
      broken.length > 0
        ? `replace ${broken.join(', ')} with a GGUF model, or ${startOllama}`
        : `${startOllama}, or put ${firstFile} in ${paths.models}`,
    );
  }

  let localModel: LocalModelModule;
  try {
    localModel = await (options.importLocalModel ?? (() => import('@biged/local-model')))();
  } catch (error) {
    return unreachable(
      isModuleNotFound(error)
        ? `${noOllama} and the embedded backend's package is not installed`
        : `${noOllama} and @biged/local-model could not be loaded (${toError(error).message})`,
      isModuleNotFound(error)
        ? `run \`npm i @biged/local-model\` where @biged/fleet is installed, or ${startOllama}`
        : `${startOllama}, or reinstall @biged/local-model`,
    );
  }

  const threads = config.models.embedded_threads ?? localModel.defaultThreadCount();
  let server: { url: string; close(): Promise<void> };
  try {
    server = await localModel.startEmbeddedOllama({
      modelsDir: paths.models,
      host: '127.0.0.1',
      port: 0,
      threads,
      log: log.child({ component: 'embedded-ollama' }),
    });
  } catch (error) {
    const failure = toError(error);
    log.error('local models: the embedded backend failed to start', { error: failure.message });
    return unreachable(
      `${noOllama} and the embedded backend failed to start (${failure.message})`,
      startOllama,
    );
  }
  try {
    writeEmbeddedOllamaState(paths, {
      url: server.url,
      pid: process.pid,
      models: served,
      startedAt: new Date().toISOString(),
    });
  } catch (error) {
    // Workers get the URL through their environment; the file is for other processes (the CLI).
    log.warn('could not write the embedded backend state file', {
      file: paths.embeddedOllama,
      error: toError(error).message,
    });
  }
  log.info('local models: embedded backend started', {
    url: server.url,
    models: served,
    threads,
    reason: noOllama,
  });
  return backend(
    { kind: 'embedded', url: server.url, models: served, threads },
    { [OLLAMA_HOST_ENV]: server.url },
    async () => {
      try {
        await server.close();
      } catch (error) {
        log.warn('the embedded backend did not close cleanly', { error: toError(error).message });
      } finally {
        removeEmbeddedOllamaState(paths);
      }
    },
  );
}
