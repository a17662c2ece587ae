import {
  type EmbedRequestV1,
  type EmbedResultV1,
  type FinishReasonV1,
  type ModelCallOptionsV1,
  type ModelProviderV1,
  type ModelRequestV1,
  type ModelResultV1,
  type ModelStreamPartV1,
  type ModelUsageV1,
  parseJsonOutput,
  resolveMessages,
  type SecretsStore,
} from '@biged/core';
import type {
  GenerateContentConfig,
  GenerateContentParameters,
  GenerateContentResponse,
  GenerateContentResponseUsageMetadata,
  GoogleGenAI,
} from '@google/genai';
import { loadApiKey } from '../internal/api-key';
import { createCallFetch, type ResponseSeen } from '../internal/call-fetch';
import { type FailureContext, failure } from '../internal/to-model-call-error';
import { count } from '../internal/usage';

type GenAiSdk = typeof import('@google/genai');

/** The SDK, once imported. */
let sdk: GenAiSdk | undefined;

/**
 * Imports the SDK at the first call, not when the provider is built: loading it takes Node about 0.15 s,
 * which every worker and `biged task` paid at start even in fleets that never call Gemini.
 */
async function loadSdk(): Promise<GenAiSdk> {
  sdk ??= await import('@google/genai');
  return sdk;
}

/** Options for `createGeminiProvider`. */
export interface GeminiProviderOptions {
  /** The id the router and fleet.toml use. Default `'gemini'`. */
  providerId?: string;
  /**
   * The API key. Default: the first of `GEMINI_API_KEY`, `GOOGLE_API_KEY`, `GOOGLE_GENERATIVE_AI_API_KEY`
   * that `secrets.resolve` finds (environment, then ~/.secrets), read at the first call.
   */
  apiKey?: string;
  /** Where the key is looked up when `apiKey` is not given. Default: `createSecretsStore()` (~/.secrets). */
  secrets?: SecretsStore;
  /** API base URL. Default: the SDK's (`https://generativelanguage.googleapis.com`). */
  baseUrl?: string;
  /** The fetch the SDK uses. Default: the global `fetch`. */
  fetch?: typeof fetch;
}

/**
 * A `ModelProviderV1` for Gemini through Google's `@google/genai` SDK (Gemini Developer API). The SDK's
 * retries are off (`retryOptions.attempts: 1`). Structured output sends `responseMimeType:
 * 'application/json'` with the schema as `responseJsonSchema`. Embeddings use `embedContent`.
 */
export function createGeminiProvider(options: GeminiProviderOptions = {}): ModelProviderV1 {
  const providerId = options.providerId ?? 'gemini';
  const baseFetch = options.fetch ?? globalThis.fetch;
  let client: GoogleGenAI | undefined;
  const clientFor = async (modelId: string): Promise<GoogleGenAI> => {
    const { GoogleGenAI: Client } = await loadSdk();
    client ??= new Client({
      apiKey: loadApiKey({
        apiKey: options.apiKey,
        secrets: options.secrets,
        names: ['GEMINI_API_KEY', 'GOOGLE_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY'],
        providerId,
        modelId,
      }),
      httpOptions: {
        ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
        retryOptions: { attempts: 1 },
      },
    });
    return client;
  };

  /** Per call: the caller's signal, and a fetch that keeps the response headers (ApiError drops them). */
  const callConfig = (signal: AbortSignal | undefined) => {
    const call = createCallFetch(baseFetch, signal);
    return {
      seen: call.seen,
      config: { abortSignal: signal, httpOptions: { fetch: call.fetch, retryOptions: { attempts: 1 } } },
    };
  };

  const paramsOf = (request: ModelRequestV1, extra: GenerateContentConfig): GenerateContentParameters => {
    const { system, messages } = resolveMessages(request);
    return {
      model: request.model,
      contents: messages.map((message) => ({
        role: message.role === 'assistant' ? 'model' : 'user',
        parts: [{ text: message.content }],
      })),
      config: {
        ...extra,
        ...(system === undefined ? {} : { systemInstruction: system }),
        ...(request.maxOutputTokens === undefined ? {} : { maxOutputTokens: request.maxOutputTokens }),
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
        ...(request.stop === undefined ? {} : { stopSequences: request.stop }),
        ...(request.json ? { responseMimeType: 'application/json', responseJsonSchema: request.json } : {}),
      },
    };
  };

  const contextOf = (modelId: string, error: unknown, seen: ResponseSeen): FailureContext => {
    // No SDK loaded yet: the error came before any request (a missing key), so it is not the SDK's.
    if (sdk && error instanceof sdk.ApiError) {
      return { providerId, modelId, statusCode: error.status, headers: seen.headers, detail: error.message };
    }
    return { providerId, modelId, statusCode: seen.status, headers: seen.headers };
  };

  return {
    specificationVersion: 'v1',
    providerId,
    isLocal: false,

    async generate(request: ModelRequestV1, { signal }: ModelCallOptionsV1 = {}): Promise<ModelResultV1> {
      signal?.throwIfAborted();
      const { seen, config } = callConfig(signal);
      let response: GenerateContentResponse;
      try {
        response = await (await clientFor(request.model)).models.generateContent(paramsOf(request, config));
        if (!Array.isArray(response.candidates)) throw new Error('the body has no candidates');
      } catch (error) {
        throw failure(error, signal, contextOf(request.model, error, seen));
      }
      const text = response.text ?? '';
      return {
        text,
        ...(request.json ? { json: parseJsonOutput(text, { providerId, modelId: request.model }) } : {}),
        finishReason: finishReasonOf(response.candidates?.[0]?.finishReason),
        usage: usageOf(response.usageMetadata),
        model: response.modelVersion ?? request.model,
        raw: response,
      };
    },

    async *stream(
      request: ModelRequestV1,
      { signal }: ModelCallOptionsV1 = {},
    ): AsyncGenerator<ModelStreamPartV1> {
      signal?.throwIfAborted();
      const { seen, config } = callConfig(signal);
      let chunks: AsyncGenerator<GenerateContentResponse>;
      try {
        chunks = await (await clientFor(request.model)).models.generateContentStream(
          paramsOf(request, config),
        );
      } catch (error) {
        throw failure(error, signal, contextOf(request.model, error, seen));
      }
      let text = '';
      let usage: ModelUsageV1 = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
      let finishReason: FinishReasonV1 = 'other';
      let model = request.model;
      try {
        for await (const chunk of chunks) {
          const delta = chunk.text;
          if (delta) {
            text += delta;
            yield { type: 'text-delta', text: delta };
          }
          if (chunk.usageMetadata) usage = usageOf(chunk.usageMetadata);
          const reason = chunk.candidates?.[0]?.finishReason;
          if (reason) finishReason = finishReasonOf(reason);
          if (chunk.modelVersion) model = chunk.modelVersion;
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
      yield { type: 'finish', finishReason, usage, model, ...(request.json ? { json } : {}) };
    },

    async embed(request: EmbedRequestV1, { signal }: ModelCallOptionsV1 = {}): Promise<EmbedResultV1> {
      signal?.throwIfAborted();
      const { seen, config } = callConfig(signal);
      try {
        const response = await (await clientFor(request.model)).models.embedContent({
          model: request.model,
          contents: request.texts,
          config,
        });
        const embeddings = (response.embeddings ?? []).map((embedding) => embedding.values ?? []);
        if (embeddings.length !== request.texts.length) {
          throw new Error(`expected ${request.texts.length} embeddings, got ${embeddings.length}`);
        }
        // The Gemini API reports no token count for embeddings.
        return { embeddings, usage: { inputTokens: 0 }, model: request.model };
      } catch (error) {
        throw failure(error, signal, contextOf(request.model, error, seen));
      }
    },
  };
}

function usageOf(metadata: GenerateContentResponseUsageMetadata | undefined): ModelUsageV1 {
  return {
    inputTokens: count(metadata?.promptTokenCount),
    // Thinking tokens are billed as output.
    outputTokens: count(metadata?.candidatesTokenCount) + count(metadata?.thoughtsTokenCount),
    cachedInputTokens: count(metadata?.cachedContentTokenCount),
  };
}

function finishReasonOf(reason: string | undefined): FinishReasonV1 {
  switch (reason) {
    case 'STOP':
      return 'stop';
    case 'MAX_TOKENS':
      return 'length';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
      return 'content-filter';
    case 'MALFORMED_FUNCTION_CALL':
    case 'UNEXPECTED_TOOL_CALL':
      return 'tool-calls';
    default:
      return 'other';
  }
}
