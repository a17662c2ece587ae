import { toError } from '@biged/core';
import {
  type ChatHistoryItem,
  type ChatWrapper,
  type Llama,
  LlamaChat,
  LlamaCompletion,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaEmbeddingContext,
  type LlamaGrammar,
  type LlamaModel,
  resolveChatWrapper,
} from 'node-llama-cpp';
import { LocalModelBackendError, LocalModelNotFoundError, LocalModelRequestError } from './errors';
import { createGrammarChatWrapper } from './grammar-chat-wrapper';
import { canonicalModelName, listModelFiles, type ModelFile } from './model-files';
import { createMutex, type Mutex } from './mutex';
import { type OllamaRunOptions, type Sampling, toSampling } from './ollama-options';
import { createStopFilter } from './stop-filter';

/** A model held in memory, as `/api/ps` and `loadedModels()` report it. */
export interface LoadedModelInfo {
  /** `<basename>:latest`. */
  name: string;
  /** The GGUF file. */
  file: string;
  size: number;
  digest: string;
  /** When the keep-alive runs out; `null` while a request is running or when kept forever. */
  expiresAt: Date | null;
  /** Context size of the loaded generation context, 0 before the first generation. */
  contextSize: number;
}

interface LoadedModel {
  file: ModelFile;
  model: LlamaModel;
  mutex: Mutex;
  chatWrapper?: ChatWrapper;
  generation?: {
    context: LlamaContext;
    sequence: LlamaContextSequence;
    completion: LlamaCompletion;
    /** Created on the first chat request: resolving the chat template costs ~0.3 s. */
    chat?: LlamaChat;
    /** The same chat seen through `createGrammarChatWrapper`, for requests with a `format` grammar. */
    grammarChat?: LlamaChat;
  };
  embedding?: { context: LlamaEmbeddingContext; size: number };
  /** Requests holding the model; it is never unloaded while one does. */
  active: number;
  expiresAt: Date | null;
  timer?: NodeJS.Timeout;
  lastUsed: number;
  unloading?: Promise<void>;
}

/** A generation's input: raw text completion, or chat history rendered by the model's chat template. */
export type GenerationInput =
  | { kind: 'completion'; prompt: string }
  | { kind: 'chat'; history: ChatHistoryItem[] };

/** What one generation produced. */
export interface GenerationResult {
  text: string;
  /** Text of "thought" segments, for reasoning models whose chat template marks them. */
  thinking: string;
  doneReason: 'stop' | 'length';
  /** Tokens of the prompt as fed to the model (template and begin token included). */
  promptTokens: number;
  /** Generated tokens, the end-of-generation token not included. */
  evalTokens: number;
  promptEvalNs: number;
  evalNs: number;
}

/**
 * A handle on a loaded model for the length of one request. Each call holds the model's lock, so
 * concurrent requests take turns on its context sequence.
 */
export interface ModelLease {
  name: string;
  /** Nanoseconds this request spent loading the model (0 when it was loaded already). */
  loadNs: number;
  /** Whether the GGUF carries a chat template (`tokenizer.chat_template`). */
  hasChatTemplate: boolean;
  /** Creates the generation context now (a load-only request), holding the model's lock. */
  warm(numCtx: number | undefined): Promise<void>;
  generate(
    input: GenerationInput,
    options: {
      runOptions: OllamaRunOptions;
      grammar: LlamaGrammar | undefined;
      signal: AbortSignal;
      onText: (chunk: { text?: string; thinking?: string }) => void;
    },
  ): Promise<GenerationResult>;
  embed(
    inputs: readonly string[],
    options: { truncate: boolean; numCtx: number | undefined },
  ): Promise<{ vectors: number[][]; tokens: number }>;
}

/** Options for `createModelPool`. */
export interface ModelPoolOptions {
  llama: Llama;
  modelsDir: string;
  threads: number;
  contextSize: number;
  maxLoadedModels: number;
  /** Called on model loads and unloads (for the log). */
  onEvent?: (
    event: 'model:loaded' | 'model:unloaded' | 'model:unload-failed',
    fields: Record<string, unknown>,
  ) => void;
}

/** Loads, shares and unloads models by name; see `ModelPoolOptions`. */
export interface ModelPool {
  /** Resolves a name (`x` or `x:latest`) to its file, or throws `LocalModelNotFoundError`. */
  resolve(name: string): Promise<ModelFile>;
  /**
   * Runs `task` with the model loaded. Afterwards the model stays loaded for `keepAliveMs`
   * (`Infinity`: until unloaded, 0: unloaded now unless another request holds it).
   */
  withModel<T>(name: string, keepAliveMs: number, task: (lease: ModelLease) => Promise<T>): Promise<T>;
  /** Unloads the model now (after its running requests), if it is loaded. */
  unload(name: string): Promise<void>;
  loaded(): LoadedModelInfo[];
  close(): Promise<void>;
}

const NS_PER_MS = 1_000_000;

/** Creates the pool of loaded models behind the embedded server. */
export function createModelPool(options: ModelPoolOptions): ModelPool {
  const { llama, modelsDir, threads, contextSize, maxLoadedModels, onEvent } = options;
  const loaded = new Map<string, LoadedModel>();
  const loading = new Map<string, Promise<LoadedModel>>();
  let closed = false;

  async function resolve(name: string): Promise<ModelFile> {
    const files = await listModelFiles(modelsDir);
    const wanted = canonicalModelName(name);
    const file = files.find((candidate) => candidate.name === wanted);
    if (!file) throw new LocalModelNotFoundError({ model: name, availableModels: files.map((f) => f.name) });
    return file;
  }

  async function load(file: ModelFile): Promise<LoadedModel> {
    let model: LlamaModel;
    try {
      model = await llama.loadModel({ modelPath: file.file });
    } catch (error) {
      throw new LocalModelBackendError({
        code: 'LOCAL_MODEL_LOAD_FAILED',
        message: `could not load model "${file.name}" from ${file.file}: ${toError(error).message}`,
        file: file.file,
        cause: error,
      });
    }
    const entry: LoadedModel = {
      file,
      model,
      mutex: createMutex(),
      active: 0,
      expiresAt: null,
      lastUsed: Date.now(),
    };
    onEvent?.('model:loaded', { model: file.name, file: file.file });
    return entry;
  }

  async function acquire(file: ModelFile): Promise<{ entry: LoadedModel; loadNs: number }> {
    const started = performance.now();
    let loadedHere = false;
    for (;;) {
      if (closed) throw new Error('the embedded Ollama server is closed');
      const existing = loaded.get(file.name);
      if (existing && !existing.unloading && existing.file.digest === file.digest) {
        // Taken synchronously, so an expiry timer firing now sees the model as busy.
        existing.active++;
        clearTimeout(existing.timer);
        existing.expiresAt = null;
        return {
          entry: existing,
          loadNs: loadedHere ? Math.round((performance.now() - started) * NS_PER_MS) : 0,
        };
      }
      if (existing) {
        // Being unloaded, or its file changed on disk: load afresh once the old copy is gone.
        await unloadEntry(existing);
        continue;
      }
      let pending = loading.get(file.name);
      if (!pending) {
        loadedHere = true;
        pending = load(file)
          .then((entry) => {
            loaded.set(file.name, entry);
            evictIdle(file.name);
            return entry;
          })
          .finally(() => loading.delete(file.name));
        loading.set(file.name, pending);
      }
      await pending;
    }
  }

  function release(entry: LoadedModel, keepAliveMs: number): void {
    entry.active--;
    entry.lastUsed = Date.now();
    if (entry.active > 0 || entry.unloading || loaded.get(entry.file.name) !== entry) return;
    if (keepAliveMs <= 0) {
      void unloadEntry(entry);
    } else if (keepAliveMs === Number.POSITIVE_INFINITY) {
      entry.expiresAt = null;
    } else {
      entry.expiresAt = new Date(Date.now() + keepAliveMs);
      // setTimeout holds at most ~24.8 days; longer keep-alives count as "until unloaded".
      if (keepAliveMs < 2 ** 31 - 1) {
        entry.timer = setTimeout(() => {
          if (entry.active === 0) void unloadEntry(entry);
        }, keepAliveMs);
        // An idle model must not keep the process alive.
        entry.timer.unref();
      }
    }
  }

  function evictIdle(keep: string): void {
    if (loaded.size <= maxLoadedModels) return;
    const idle = [...loaded.values()]
      .filter((entry) => entry.file.name !== keep && entry.active === 0 && !entry.unloading)
      .sort((a, b) => a.lastUsed - b.lastUsed);
    for (const entry of idle.slice(0, loaded.size - maxLoadedModels)) void unloadEntry(entry);
  }

  function unloadEntry(entry: LoadedModel): Promise<void> {
    if (entry.unloading) return entry.unloading;
    clearTimeout(entry.timer);
    // Waits behind the model's running request, if any, then frees it.
    entry.unloading = entry.mutex
      .run(async () => {
        await entry.embedding?.context.dispose();
        await entry.generation?.context.dispose();
        await entry.model.dispose();
      })
      .then(
        () => onEvent?.('model:unloaded', { model: entry.file.name }),
        // Freeing failed (rare: llama.cpp already torn down); the model is dropped from the pool anyway.
        (error: unknown) =>
          onEvent?.('model:unload-failed', { model: entry.file.name, error: toError(error).message }),
      )
      .finally(() => {
        if (loaded.get(entry.file.name) === entry) loaded.delete(entry.file.name);
      });
    return entry.unloading;
  }

  async function ensureGeneration(entry: LoadedModel, numCtx: number | undefined) {
    const wanted = Math.min(numCtx ?? contextSize, entry.model.trainContextSize);
    if (entry.generation && entry.generation.context.contextSize !== wanted) {
      // Ollama reloads on a different num_ctx; here only the context is recreated.
      await entry.generation.context.dispose();
      entry.generation = undefined;
    }
    if (!entry.generation) {
      const context = await entry.model.createContext({ contextSize: wanted, threads, sequences: 1 });
      const sequence = context.getSequence();
      entry.generation = {
        context,
        sequence,
        completion: new LlamaCompletion({ contextSequence: sequence }),
      };
    }
    return entry.generation;
  }

  async function ensureEmbedding(entry: LoadedModel, numCtx: number | undefined) {
    const size = Math.min(numCtx ?? contextSize, entry.model.trainContextSize);
    if (entry.embedding && entry.embedding.size !== size) {
      await entry.embedding.context.dispose();
      entry.embedding = undefined;
    }
    entry.embedding ??= {
      context: await entry.model.createEmbeddingContext({ contextSize: size, threads }),
      size,
    };
    return entry.embedding;
  }

  function lease(entry: LoadedModel, loadNs: number): ModelLease {
    return {
      name: entry.file.name,
      loadNs,
      hasChatTemplate: typeof entry.model.fileInfo.metadata.tokenizer?.chat_template === 'string',
      warm: (numCtx) =>
        entry.mutex.run(async () => {
          await ensureGeneration(entry, numCtx);
        }),
      generate: (input, options) => entry.mutex.run(() => generate(entry, input, options)),
      embed: (inputs, options) => entry.mutex.run(() => embed(entry, inputs, options)),
    };
  }

  async function generate(
    entry: LoadedModel,
    input: GenerationInput,
    { runOptions, grammar, signal, onText }: Parameters<ModelLease['generate']>[1],
  ): Promise<GenerationResult> {
    if (signal.aborted) {
      // The client left while this request waited for the model: do no work for it.
      return {
        text: '',
        thinking: '',
        doneReason: 'stop',
        promptTokens: 0,
        evalTokens: 0,
        promptEvalNs: 0,
        evalNs: 0,
      };
    }
    const generation = await ensureGeneration(entry, runOptions.num_ctx);
    const { sequence, completion } = generation;
    let chat: LlamaChat | undefined;
    if (input.kind === 'chat') {
      // The chat wrapper (template) belongs to the model; keep it when the context is recreated.
      entry.chatWrapper ??= resolveChatWrapper(entry.model);
      if (grammar) {
        generation.grammarChat ??= new LlamaChat({
          contextSequence: sequence,
          chatWrapper: createGrammarChatWrapper(entry.chatWrapper),
        });
        chat = generation.grammarChat;
      } else {
        generation.chat ??= new LlamaChat({ contextSequence: sequence, chatWrapper: entry.chatWrapper });
        chat = generation.chat;
      }
    }
    const model = entry.model;
    const promptTokens =
      input.kind === 'completion'
        ? countCompletionPromptTokens(model, input.prompt)
        : chat!.chatWrapper
            .generateContextState({ chatHistory: input.history })
            .contextText.tokenize(model.tokenizer).length;
    const sampling: Sampling = toSampling(runOptions, generation.context.contextSize, promptTokens);
    const before = sequence.tokenMeter.getState();
    const started = process.hrtime.bigint();
    let firstToken: bigint | undefined;
    const markFirstToken = () => {
      firstToken ??= process.hrtime.bigint();
    };
    const { stop, ...nodeSampling } = sampling;
    const stopFilter = createStopFilter(stop);
    // Aborted by the client going away, or by the stop filter once a stop string has appeared.
    const controller = new AbortController();
    const abort = () => controller.abort();
    signal.addEventListener('abort', abort, { once: true });
    let text = '';
    const emitText = (chunk: string) => {
      const out = stopFilter.push(chunk);
      if (stopFilter.stopped) controller.abort();
      if (out) {
        text += out;
        onText({ text: out });
      }
    };
    const common = {
      ...nodeSampling,
      grammar,
      signal: controller.signal,
      stopOnAbortSignal: true,
      onToken: markFirstToken,
    };
    let thinking = '';
    let stopReason: string;
    try {
      if (input.kind === 'completion') {
        const result = await completion.generateCompletionWithMeta(input.prompt, {
          ...common,
          onTextChunk: (chunk) => {
            if (chunk) emitText(chunk);
          },
        });
        stopReason = result.metadata.stopReason;
      } else {
        const result = await chat!.generateResponse(input.history, {
          ...common,
          onResponseChunk: (chunk) => {
            markFirstToken();
            if (!chunk.text) return;
            if (chunk.type !== 'segment') emitText(chunk.text);
            else if (chunk.segmentType === 'thought') {
              thinking += chunk.text;
              onText({ thinking: chunk.text });
            }
          },
        });
        stopReason = result.metadata.stopReason;
      }
    } finally {
      signal.removeEventListener('abort', abort);
    }
    const rest = stopFilter.flush();
    if (rest) {
      text += rest;
      onText({ text: rest });
    }
    const finished = process.hrtime.bigint();
    const after = sequence.tokenMeter.getState();
    // The meter counts every sampled token; the end token is sampled but is no output.
    const sampled = after.usedOutputTokens - before.usedOutputTokens;
    const evalTokens = Math.max(0, sampled - (stopReason === 'eogToken' ? 1 : 0));
    const firstAt = firstToken ?? finished;
    return {
      text,
      thinking,
      doneReason: stopReason === 'maxTokens' ? 'length' : 'stop',
      promptTokens,
      evalTokens,
      promptEvalNs: Number(firstAt - started),
      evalNs: Number(finished - firstAt),
    };
  }

  async function embed(
    entry: LoadedModel,
    inputs: readonly string[],
    { truncate, numCtx }: Parameters<ModelLease['embed']>[1],
  ): Promise<{ vectors: number[][]; tokens: number }> {
    const { context, size: limit } = await ensureEmbedding(entry, numCtx);
    const vectors: number[][] = [];
    let tokens = 0;
    for (const text of inputs) {
      let input: string | ReturnType<LlamaModel['tokenize']> = text;
      let length = context.calculateInputLength(text);
      if (length >= limit) {
        if (!truncate) {
          throw new LocalModelRequestError({
            reason: 'invalid-field',
            field: 'input',
            message: `input length (${length} tokens) exceeds the context length (${limit}); set truncate: true or raise options.num_ctx`,
          });
        }
        // Keep the start of the text, leaving room for the begin and end tokens.
        input = entry.model.tokenize(text).slice(0, Math.max(1, limit - 3));
        length = context.calculateInputLength(input);
      }
      tokens += length;
      vectors.push([...(await context.getEmbeddingFor(input)).vector]);
    }
    return { vectors, tokens };
  }

  return {
    resolve,
    async withModel(name, keepAliveMs, task) {
      const file = await resolve(name);
      const { entry, loadNs } = await acquire(file);
      try {
        return await task(lease(entry, loadNs));
      } finally {
        release(entry, keepAliveMs);
      }
    },
    async unload(name) {
      const file = await resolve(name);
      await loading.get(file.name)?.catch(() => undefined);
      const entry = loaded.get(file.name);
      if (entry) await unloadEntry(entry);
    },
    loaded() {
      return [...loaded.values()]
        .filter((entry) => !entry.unloading)
        .map((entry) => ({
          name: entry.file.name,
          file: entry.file.file,
          size: entry.file.size,
          digest: entry.file.digest,
          expiresAt: entry.expiresAt,
          contextSize: entry.generation?.context.contextSize ?? 0,
        }));
    },
    async close() {
      closed = true;
      await Promise.allSettled([...loading.values()]);
      await Promise.allSettled([...loaded.values()].map((entry) => unloadEntry(entry)));
    },
  };
}

/** Prompt tokens as LlamaCompletion feeds them: the begin token (if the model adds one) and the text. */
function countCompletionPromptTokens(model: LlamaModel, prompt: string): number {
  const addsBeginToken = model.tokens.shouldPrependBosToken && model.tokens.bos != null;
  return (
    (addsBeginToken ? 1 : 0) +
    model.tokenize(prompt, false, addsBeginToken ? 'trimLeadingSpace' : undefined).length
  );
}
