import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { type Logger, toError } from '@biged/core';
import { type ChatHistoryItem, getLlama, type Llama, type LlamaGrammar, LlamaLogLevel } from 'node-llama-cpp';
import { LocalModelBackendError, LocalModelNotFoundError, LocalModelRequestError } from './errors';
import { compileJsonSchemaGrammar, GRAMMAR_END_MARKER } from './json-schema-grammar';
import { DEFAULT_KEEP_ALIVE_MS, parseKeepAlive } from './keep-alive';
import { listModelFiles, readModelDetails } from './model-files';
import { createModelPool, type GenerationInput, type LoadedModelInfo, type ModelLease } from './model-pool';
import { parseRunOptions } from './ollama-options';
import { VERSION } from './version';

/** The logger the embedded server writes to: any `@biged/core` Logger fits. */
export type EmbeddedOllamaLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** Options for `startEmbeddedOllama`. */
export interface StartEmbeddedOllamaOptions {
  /** Folder of `*.gguf` files to serve, usually `<fleet home>/models`. A missing folder serves no models. */
  modelsDir: string;
  /** Interface to listen on. Default `'127.0.0.1'` (never expose this server beyond the machine). */
  host?: string;
  /** Port. Default `0`: an ephemeral port, read it back from `port`/`url`. Ollama's own is 11434. */
  port?: number;
  /**
   * CPU threads per model context. Default `defaultThreadCount()`: the machine's parallelism minus one,
   * at most 8. Always set it: node-llama-cpp's own default made generation 50-200x slower on 2 cores.
   */
  threads?: number;
  /** Context size a model is loaded with unless a request sets `options.num_ctx`. Default 2048 (Ollama's). */
  contextSize?: number;
  /** Models kept in memory at once; the least recently used idle one is unloaded first. Default 3. */
  maxLoadedModels?: number;
  /** Keep-alive of requests that send none, in Ollama's `keep_alive` syntax. Default `'5m'`. */
  keepAlive?: number | string;
  /** Largest accepted request body. Default 16 MiB (413 above). */
  maxBodyBytes?: number;
  /** Where to log loads, unloads, failures and llama.cpp warnings. Default: nowhere. */
  log?: EmbeddedOllamaLogger;
}

/** A running embedded Ollama server. */
export interface EmbeddedOllama {
  /** Base URL for `new Ollama({ host: url })`, e.g. `http://127.0.0.1:40123`. */
  url: string;
  host: string;
  port: number;
  /** Threads each model context uses. */
  threads: number;
  /** The models in memory now (what `/api/ps` lists). */
  loadedModels(): LoadedModelInfo[];
  /** Stops listening, drops open connections, unloads every model and frees the llama.cpp backend. */
  close(): Promise<void>;
}

/** Threads for model contexts on this machine: available parallelism minus one (for the fleet), 1..8. */
export function defaultThreadCount(): number {
  // Token generation is memory-bound; past ~8 threads llama.cpp gains little and starves the workers.
  return Math.min(8, Math.max(1, availableParallelism() - 1));
}

const DEFAULT_CONTEXT_SIZE = 2048;
const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_CACHED_GRAMMARS = 64;
/** Ollama shows a model kept "forever" with a far-future expiry. */
const FOREVER = new Date(8.64e15);

/**
 * Starts an HTTP server on `host:port` that speaks the part of Ollama's API the fleet uses, backed by
 * node-llama-cpp's CPU prebuilt and the GGUF files in `modelsDir`: `GET /api/version`, `/api/tags`,
 * `/api/ps`, `POST /api/generate`, `/api/chat` (NDJSON streaming or not, `keep_alive`, `options`,
 * `format: 'json'` or a JSON schema enforced by a grammar), `/api/embed` and the legacy `/api/embeddings`.
 * Model names are `<file basename>` or `<basename>:latest`. Rejects with `LocalModelBackendError`
 * (`LOCAL_MODEL_BACKEND_UNAVAILABLE`) when llama.cpp cannot run on this machine.
 */
export async function startEmbeddedOllama(options: StartEmbeddedOllamaOptions): Promise<EmbeddedOllama> {
  const {
    modelsDir,
    host = '127.0.0.1',
    port = 0,
    threads: requestedThreads = defaultThreadCount(),
    contextSize = DEFAULT_CONTEXT_SIZE,
    maxLoadedModels = 3,
    maxBodyBytes = DEFAULT_MAX_BODY_BYTES,
    log,
  } = options;
  const threads = Math.max(1, Math.floor(requestedThreads));
  const defaultKeepAliveMs = parseKeepAlive(options.keepAlive, DEFAULT_KEEP_ALIVE_MS);

  let llama: Llama;
  try {
    llama = await getLlama({
      gpu: false,
      // Load the shipped prebuilt (@node-llama-cpp/linux-x64); never download or compile llama.cpp.
      build: 'never',
      usePrebuiltBinaries: true,
      skipDownload: true,
      progressLogs: false,
      maxThreads: threads,
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const text = message.trim();
        if (!text) return;
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal)
          log?.error(text, { source: 'llama.cpp' });
        else if (level === LlamaLogLevel.warn) log?.warn(text, { source: 'llama.cpp' });
        else log?.debug(text, { source: 'llama.cpp' });
      },
    });
  } catch (error) {
    throw new LocalModelBackendError({
      code: 'LOCAL_MODEL_BACKEND_UNAVAILABLE',
      message: `llama.cpp could not be loaded on this machine (${process.platform}-${process.arch}): ${toError(error).message}`,
      cause: error,
      hint: 'install Ollama and set [models] ollama_host, or run on linux-x64',
    });
  }

  const pool = createModelPool({
    llama,
    modelsDir,
    threads,
    contextSize,
    maxLoadedModels,
    onEvent: (event, fields) =>
      event === 'model:unload-failed' ? log?.warn(event, fields) : log?.info(event, fields),
  });
  const grammars = new Map<string, Promise<LlamaGrammar>>();

  function grammarFor(format: unknown): Promise<LlamaGrammar> | undefined {
    if (format === undefined || format === null || format === '') return undefined;
    const isSchema = typeof format === 'object' && !Array.isArray(format);
    if (format !== 'json' && !isSchema) {
      throw new LocalModelRequestError({
        reason: 'invalid-field',
        field: 'format',
        message: `format must be "json" or a JSON schema object; got ${JSON.stringify(format)}`,
      });
    }
    // "json" is any JSON object, compiled like a schema so it shares the same whitespace and number rules.
    // The grammar forces GRAMMAR_END_MARKER after the value and stops on it; trimWhitespaceSuffix drops it.
    const { gbnf, ignored } = compileJsonSchemaGrammar(format === 'json' ? { type: 'object' } : format);
    if (ignored.length > 0) log?.debug('format: keywords not enforced by the grammar', { ignored });
    return cached(gbnf, async () => {
      try {
        return await llama.createGrammar({
          grammar: gbnf,
          stopGenerationTriggers: [GRAMMAR_END_MARKER],
          trimWhitespaceSuffix: true,
        });
      } catch (error) {
        throw new LocalModelRequestError({
          reason: 'unsupported',
          field: 'format',
          message: `format: this JSON schema cannot be turned into a grammar: ${toError(error).message}`,
          cause: error,
        });
      }
    });
  }

  function cached(key: string, create: () => Promise<LlamaGrammar>): Promise<LlamaGrammar> {
    let grammar = grammars.get(key);
    if (!grammar) {
      grammar = create();
      grammar.catch(() => grammars.delete(key));
      grammars.set(key, grammar);
      if (grammars.size > MAX_CACHED_GRAMMARS) grammars.delete(grammars.keys().next().value!);
    }
    return grammar;
  }

  async function handleGenerate(
    body: Record<string, unknown>,
    response: ServerResponse,
    signal: AbortSignal,
    kind: 'generate' | 'chat',
  ): Promise<void> {
    const started = process.hrtime.bigint();
    const model = requireModel(body);
    const keepAliveMs = parseKeepAlive(body.keep_alive, defaultKeepAliveMs);
    const runOptions = parseRunOptions(body.options);
    const stream = body.stream !== false;
    rejectUnsupported(body, kind);
    const history = kind === 'chat' ? toChatHistory(body.messages) : undefined;
    const prompt = kind === 'generate' ? optionalString(body, 'prompt') : undefined;
    const system = kind === 'generate' ? optionalString(body, 'system') : undefined;
    const grammar = await grammarFor(body.format);

    const frame = (fields: { text?: string; thinking?: string }, done: boolean) =>
      kind === 'chat'
        ? {
            model,
            created_at: new Date().toISOString(),
            message: {
              role: 'assistant',
              content: fields.text ?? '',
              ...(fields.thinking ? { thinking: fields.thinking } : {}),
            },
            done,
          }
        : {
            model,
            created_at: new Date().toISOString(),
            response: fields.text ?? '',
            ...(fields.thinking ? { thinking: fields.thinking } : {}),
            done,
          };

    // No prompt (or no messages): Ollama's way to load a model, or to unload it with keep_alive 0.
    if (history === undefined ? !prompt : history.length === 0) {
      if (keepAliveMs === 0) {
        await pool.unload(model);
      } else {
        await pool.withModel(model, keepAliveMs, (lease) => lease.warm(runOptions.num_ctx));
      }
      const done = { ...frame({}, true), done_reason: keepAliveMs === 0 ? 'unload' : 'load' };
      sendJson(response, 200, done, stream);
      return;
    }

    await pool.withModel(model, keepAliveMs, async (lease: ModelLease) => {
      let input: GenerationInput;
      if (history) input = { kind: 'chat', history };
      else if (body.raw === true || !lease.hasChatTemplate) input = { kind: 'completion', prompt: prompt! };
      else {
        // Like Ollama, /api/generate wraps the prompt in the model's chat template unless `raw` is set.
        input = {
          kind: 'chat',
          history: [
            ...(system ? [{ type: 'system', text: system } as const] : []),
            { type: 'user', text: prompt! },
            { type: 'model', response: [] },
          ],
        };
      }
      if (stream) response.writeHead(200, { 'content-type': 'application/x-ndjson' });
      const result = await lease.generate(input, {
        runOptions,
        grammar,
        signal,
        onText: (chunk) => {
          if (stream && !response.writableEnded && !response.destroyed) {
            response.write(`${JSON.stringify(frame(chunk, false))}\n`);
          }
        },
      });
      if (signal.aborted || response.destroyed) return;
      const final = {
        ...frame(stream ? {} : { text: result.text, thinking: result.thinking }, true),
        done_reason: result.doneReason,
        total_duration: Number(process.hrtime.bigint() - started),
        load_duration: lease.loadNs,
        prompt_eval_count: result.promptTokens,
        prompt_eval_duration: result.promptEvalNs,
        eval_count: result.evalTokens,
        eval_duration: result.evalNs,
      };
      if (stream) response.end(`${JSON.stringify(final)}\n`);
      else sendJson(response, 200, final, false);
    });
  }

  async function handleEmbed(
    body: Record<string, unknown>,
    response: ServerResponse,
    legacy: boolean,
  ): Promise<void> {
    const started = process.hrtime.bigint();
    const model = requireModel(body);
    const keepAliveMs = parseKeepAlive(body.keep_alive, defaultKeepAliveMs);
    const runOptions = parseRunOptions(body.options);
    let inputs: string[];
    if (legacy) {
      const prompt = optionalString(body, 'prompt');
      inputs = prompt ? [prompt] : [];
    } else if (body.input === undefined || body.input === null) {
      inputs = [];
    } else if (typeof body.input === 'string') {
      inputs = [body.input];
    } else if (Array.isArray(body.input) && body.input.every((item) => typeof item === 'string')) {
      inputs = body.input as string[];
    } else {
      throw new LocalModelRequestError({
        reason: 'invalid-field',
        field: 'input',
        message: 'input must be a string or an array of strings',
      });
    }
    if (body.truncate !== undefined && typeof body.truncate !== 'boolean') {
      throw new LocalModelRequestError({
        reason: 'invalid-field',
        field: 'truncate',
        message: 'truncate must be a boolean',
      });
    }
    const truncate = body.truncate !== false;
    await pool.withModel(model, keepAliveMs, async (lease) => {
      const { vectors, tokens } =
        inputs.length === 0
          ? { vectors: [], tokens: 0 }
          : await lease.embed(inputs, { truncate, numCtx: runOptions.num_ctx });
      if (legacy) {
        // The legacy endpoint returns the raw vector, as Ollama's does.
        sendJson(response, 200, { embedding: vectors[0] ?? [] }, false);
        return;
      }
      sendJson(
        response,
        200,
        {
          model,
          embeddings: vectors.map(normalize),
          total_duration: Number(process.hrtime.bigint() - started),
          load_duration: lease.loadNs,
          prompt_eval_count: tokens,
        },
        false,
      );
    });
  }

  async function handleTags(response: ServerResponse): Promise<void> {
    const files = await listModelFiles(modelsDir);
    const models = await Promise.all(
      files.map(async (file) => ({
        name: file.name,
        model: file.name,
        modified_at: file.modifiedAt.toISOString(),
        size: file.size,
        digest: file.digest,
        details: await readModelDetails(file),
      })),
    );
    sendJson(response, 200, { models }, false);
  }

  async function handlePs(response: ServerResponse): Promise<void> {
    const models = await Promise.all(
      pool.loaded().map(async (entry) => {
        const details = await readModelDetails(entry);
        return {
          name: entry.name,
          model: entry.name,
          size: entry.size,
          digest: entry.digest,
          details,
          expires_at: (entry.expiresAt ?? FOREVER).toISOString(),
          size_vram: 0,
          context_length: entry.contextSize,
        };
      }),
    );
    sendJson(response, 200, { models }, false);
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const isRead = method === 'GET' || method === 'HEAD';
    if (pathname === '/' && isRead) {
      // Ollama's liveness answer; probes (and the supervisor) look for it.
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('Ollama is running');
      return;
    }
    if (pathname === '/api/version' && isRead) {
      sendJson(response, 200, { version: VERSION, server: 'biged-local-model' }, false);
      return;
    }
    if (pathname === '/api/tags' && isRead) return handleTags(response);
    if (pathname === '/api/ps' && isRead) return handlePs(response);
    const posts = ['/api/generate', '/api/chat', '/api/embed', '/api/embeddings'];
    if (!posts.includes(pathname)) {
      sendJson(response, 404, { error: `${method} ${pathname} not found` }, false);
      return;
    }
    if (method !== 'POST') {
      response.setHeader('allow', 'POST');
      sendJson(response, 405, { error: `${pathname} takes POST` }, false);
      return;
    }
    const body = await readJsonBody(request, maxBodyBytes);
    // Stop generating when the client goes away.
    const controller = new AbortController();
    response.on('close', () => {
      if (!response.writableFinished) controller.abort();
    });
    if (pathname === '/api/generate') return handleGenerate(body, response, controller.signal, 'generate');
    if (pathname === '/api/chat') return handleGenerate(body, response, controller.signal, 'chat');
    return handleEmbed(body, response, pathname === '/api/embeddings');
  }

  const server = createServer((request, response) => {
    route(request, response).catch((error: unknown) => {
      const status = statusFor(error);
      const message = toError(error).message;
      if (status >= 500) log?.error('embedded ollama request failed', { path: request.url, error: message });
      if (!response.headersSent) sendJson(response, status, { error: message }, false);
      // Mid-stream, Ollama sends the error as one more NDJSON line; the client throws it.
      else if (!response.writableEnded) response.end(`${JSON.stringify({ error: message })}\n`);
    });
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await llama.dispose();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  log?.info('embedded ollama listening', { url, modelsDir, threads });

  let closing: Promise<void> | undefined;
  return {
    url,
    host,
    port: address.port,
    threads,
    loadedModels: () => pool.loaded(),
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await stopped;
        await pool.close();
        await llama.dispose();
        log?.info('embedded ollama stopped', { url });
      })();
      return closing;
    },
  };
}

function statusFor(error: unknown): number {
  if (LocalModelNotFoundError.isInstance(error)) return 404;
  if (LocalModelRequestError.isInstance(error)) return error.reason === 'too-large' ? 413 : 400;
  return 500;
}

function sendJson(response: ServerResponse, status: number, body: unknown, ndjson: boolean): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': ndjson ? 'application/x-ndjson' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text) + (ndjson ? 1 : 0),
  });
  response.end(ndjson ? `${text}\n` : text);
}

async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      throw new LocalModelRequestError({
        reason: 'too-large',
        message: `request body is larger than ${maxBytes} bytes`,
      });
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) {
    throw new LocalModelRequestError({ reason: 'invalid-json', message: 'missing request body' });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new LocalModelRequestError({
      reason: 'invalid-json',
      message: `request body is not valid JSON: ${toError(error).message}`,
      cause: error,
    });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new LocalModelRequestError({
      reason: 'invalid-json',
      message: 'request body must be a JSON object',
    });
  }
  return parsed as Record<string, unknown>;
}

function requireModel(body: Record<string, unknown>): string {
  if (typeof body.model !== 'string' || body.model.trim() === '') {
    throw new LocalModelRequestError({
      reason: 'invalid-field',
      field: 'model',
      message: 'model is required',
    });
  }
  return body.model.trim();
}

function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new LocalModelRequestError({
      reason: 'invalid-field',
      field,
      message: `${field} must be a string`,
    });
  }
  return value;
}

function rejectUnsupported(body: Record<string, unknown>, kind: 'generate' | 'chat'): void {
  const unsupported = (field: string) =>
    new LocalModelRequestError({
      reason: 'unsupported',
      field,
      message: `${field} is not supported by the embedded backend; use a real Ollama server for it`,
    });
  const nonEmpty = (value: unknown) =>
    value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0);
  if (nonEmpty(body.images)) throw unsupported('images');
  if (kind === 'chat' && nonEmpty(body.tools)) throw unsupported('tools');
  if (kind === 'generate' && nonEmpty(body.suffix)) throw unsupported('suffix');
  if (kind === 'generate' && nonEmpty(body.template)) throw unsupported('template');
}

const ROLES = new Set(['system', 'user', 'assistant', 'tool']);

/** Ollama chat messages to node-llama-cpp history, ending with the (empty or prefilled) model turn. */
function toChatHistory(messages: unknown): ChatHistoryItem[] {
  if (messages === undefined || messages === null) return [];
  if (!Array.isArray(messages)) {
    throw new LocalModelRequestError({
      reason: 'invalid-field',
      field: 'messages',
      message: 'messages must be an array',
    });
  }
  const history: ChatHistoryItem[] = [];
  messages.forEach((message: unknown, index) => {
    const field = `messages[${index}]`;
    const record = (typeof message === 'object' && message !== null ? message : {}) as Record<
      string,
      unknown
    >;
    const role = record.role;
    const content = record.content ?? '';
    if (typeof role !== 'string' || !ROLES.has(role) || typeof content !== 'string') {
      throw new LocalModelRequestError({
        reason: 'invalid-field',
        field,
        message: `${field} must be { role: "system" | "user" | "assistant" | "tool", content: string }`,
      });
    }
    const images = record.images;
    if (Array.isArray(images) && images.length > 0) {
      throw new LocalModelRequestError({
        reason: 'unsupported',
        field: `${field}.images`,
        message: 'images are not supported by the embedded backend; use a real Ollama server for them',
      });
    }
    if (role === 'system') history.push({ type: 'system', text: content });
    else if (role === 'assistant') history.push({ type: 'model', response: [content] });
    // Tool results go back to the model as user turns: the embedded backend has no tool calling.
    else history.push({ type: 'user', text: content });
  });
  if (history.length > 0 && history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}

function normalize(vector: number[]): number[] {
  let sum = 0;
  for (const value of vector) sum += value * value;
  const norm = Math.sqrt(sum);
  return norm === 0 ? vector : vector.map((value) => value / norm);
}
