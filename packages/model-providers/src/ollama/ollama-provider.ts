import {
  type EmbedRequestV1,
  type EmbedResultV1,
  type FinishReasonV1,
  type ModelCallOptionsV1,
  type ModelProviderV1,
  type ModelRequestV1,
  type ModelResultV1,
  type ModelStreamPartV1,
  parseJsonOutput,
  resolveMessages,
} from '@biged/core';
import { type ChatRequest, type ChatResponse, Ollama } from 'ollama';
import { createCallFetch, type ResponseSeen } from '../internal/call-fetch';
import { type FailureContext, failure } from '../internal/to-model-call-error';
import { count } from '../internal/usage';

/** Options for `createOllamaProvider`. */
export interface OllamaProviderOptions {
  /** The id the router and fleet.toml use. Default `'local'` (`[models] complex_provider`'s default). */
  providerId?: string;
  /** Ollama's URL, e.g. `[models] ollama_host`. Default `http://localhost:11434`. */
  host?: string;
  /** The fetch the client uses. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** How long Ollama keeps the model loaded after a call (`'30m'`, seconds, -1 = forever). Default: Ollama's. */
  keepAlive?: string | number;
  /**
   * Ollama's `options.num_gpu` (model layers offloaded to the GPU; `0` runs on the CPU only) for every
   * chat and embedding call: a number, or a function asked at each call (the fleet's workers return `0`
   * while the hardware monitor runs a CPU tier, `undefined` otherwise). `undefined`: Ollama decides.
   * Default: none.
   */
  numGpu?: number | (() => number | undefined);
}

/**
 * A `ModelProviderV1` for local models through the official `ollama` client (`/api/chat`, `/api/embed`),
 * against a real Ollama or `@biged/local-model`'s embedded server. Structured output sends the schema
 * as `format`. The client takes no AbortSignal, so each call gets a fetch that adds one.
 */
export function createOllamaProvider(options: OllamaProviderOptions = {}): ModelProviderV1 {
  const providerId = options.providerId ?? 'local';
  const host = options.host ?? 'http://localhost:11434';
  const baseFetch = options.fetch ?? globalThis.fetch;
  const numGpuNow = (): number | undefined =>
    typeof options.numGpu === 'function' ? options.numGpu() : options.numGpu;

  /** A client per call: cheap (no connection of its own), and it carries that call's signal. */
  const clientFor = (signal: AbortSignal | undefined) => {
    const call = createCallFetch(baseFetch, signal);
    return { client: new Ollama({ host, fetch: call.fetch }), seen: call.seen };
  };

  const chatRequestOf = (request: ModelRequestV1): Omit<ChatRequest, 'stream'> => {
    const { system, messages } = resolveMessages(request);
    const options_: NonNullable<ChatRequest['options']> = {};
    if (request.maxOutputTokens !== undefined) options_.num_predict = request.maxOutputTokens;
    if (request.temperature !== undefined) options_.temperature = request.temperature;
    if (request.stop !== undefined) options_.stop = request.stop;
    const numGpu = numGpuNow();
    if (numGpu !== undefined) options_.num_gpu = numGpu;
    return {
      model: request.model,
      messages: [...(system === undefined ? [] : [{ role: 'system', content: system }]), ...messages],
      ...(request.json ? { format: request.json } : {}),
      ...(Object.keys(options_).length > 0 ? { options: options_ } : {}),
      ...(options.keepAlive === undefined ? {} : { keep_alive: options.keepAlive }),
    };
  };

  const contextOf = (modelId: string, error: unknown, seen: ResponseSeen): FailureContext => {
    const status = (error as { status_code?: unknown } | null)?.status_code;
    return {
      providerId,
      modelId,
      statusCode: typeof status === 'number' ? status : seen.status,
      headers: seen.headers,
    };
  };

  return {
    specificationVersion: 'v1',
    providerId,
    isLocal: true,

    async generate(request: ModelRequestV1, { signal }: ModelCallOptionsV1 = {}): Promise<ModelResultV1> {
      signal?.throwIfAborted();
      const { client, seen } = clientFor(signal);
      let response: ChatResponse;
      try {
        response = await client.chat({ ...chatRequestOf(request), stream: false });
        if (typeof response?.message?.content !== 'string')
          throw new Error('the body has no message.content');
      } catch (error) {
        throw failure(error, signal, contextOf(request.model, error, seen));
      }
      const text = response.message.content;
      return {
        text,
        ...(request.json ? { json: parseJsonOutput(text, { providerId, modelId: request.model }) } : {}),
        finishReason: finishReasonOf(response.done_reason),
        usage: usageOf(response),
        model: response.model || request.model,
        raw: response,
      };
    },

    async *stream(
      request: ModelRequestV1,
      { signal }: ModelCallOptionsV1 = {},
    ): AsyncGenerator<ModelStreamPartV1> {
      signal?.throwIfAborted();
      const { client, seen } = clientFor(signal);
      let chunks: AsyncIterable<ChatResponse>;
      try {
        chunks = await client.chat({ ...chatRequestOf(request), stream: true });
      } catch (error) {
        throw failure(error, signal, contextOf(request.model, error, seen));
      }
      let text = '';
      let last: ChatResponse | undefined;
      try {
        for await (const chunk of chunks) {
          const delta = chunk.message?.content;
          if (delta) {
            text += delta;
            yield { type: 'text-delta', text: delta };
          }
          if (chunk.done) last = chunk;
        }
      } catch (error) {
        yield { type: 'error', error: failure(error, signal, contextOf(request.model, error, seen)) };
        return;
      }
      let json: unknown;
      if (request.json) {
        try {
          json = parseJsonOutput(text, { providerId, modelId: request.model });
        } catch (error) {
          yield { type: 'error', error };
          return;
        }
      }
      yield {
        type: 'finish',
        finishReason: finishReasonOf(last?.done_reason),
        usage: last ? usageOf(last) : { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
        model: last?.model || request.model,
        ...(request.json ? { json } : {}),
      };
    },

    async embed(request: EmbedRequestV1, { signal }: ModelCallOptionsV1 = {}): Promise<EmbedResultV1> {
      signal?.throwIfAborted();
      const { client, seen } = clientFor(signal);
      try {
        const numGpu = numGpuNow();
        const response = await client.embed({
          model: request.model,
          input: request.texts,
          ...(numGpu === undefined ? {} : { options: { num_gpu: numGpu } }),
          ...(options.keepAlive === undefined ? {} : { keep_alive: options.keepAlive }),
        });
        if (!Array.isArray(response?.embeddings) || response.embeddings.length !== request.texts.length) {
          throw new Error(`expected ${request.texts.length} embeddings`);
        }
        const inputTokens = (response as { prompt_eval_count?: number }).prompt_eval_count;
        return {
          embeddings: response.embeddings,
          usage: { inputTokens: count(inputTokens) },
          model: response.model || request.model,
        };
      } catch (error) {
        throw failure(error, signal, contextOf(request.model, error, seen));
      }
    },
  };
}

function usageOf(response: ChatResponse) {
  return {
    inputTokens: count(response.prompt_eval_count),
    outputTokens: count(response.eval_count),
    // Ollama reuses its KV cache but does not report how much of the prompt it served from it.
    cachedInputTokens: 0,
  };
}

function finishReasonOf(reason: string | undefined): FinishReasonV1 {
  if (reason === 'stop') return 'stop';
  if (reason === 'length') return 'length';
  return 'other';
}
