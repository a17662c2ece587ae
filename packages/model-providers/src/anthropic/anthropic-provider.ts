import type Anthropic from '@anthropic-ai/sdk';
import {
  type EmbedRequestV1,
  type EmbedResultV1,
  type FinishReasonV1,
  ModelCallError,
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
import { loadApiKey } from '../internal/api-key';
import { headersToRecord } from '../internal/call-fetch';
import { type FailureContext, failure } from '../internal/to-model-call-error';
import { count } from '../internal/usage';

/** The tool the model is made to call for structured output; its input is the answer. */
const JSON_TOOL = 'json_output';

/** Options for `createAnthropicProvider`. */
export interface AnthropicProviderOptions {
  /** The id the router and fleet.toml use. Default `'claude'`. */
  providerId?: string;
  /**
   * The API key. Default: `secrets.resolve('ANTHROPIC_API_KEY')` at the first call (the environment
   * variable, else ~/.secrets), so an offline router that refuses the provider never reads it.
   */
  apiKey?: string;
  /** Where the key is looked up when `apiKey` is not given. Default: `createSecretsStore()` (~/.secrets). */
  secrets?: SecretsStore;
  /** API base URL. Default: the SDK's (`https://api.anthropic.com`, or `ANTHROPIC_BASE_URL`). */
  baseURL?: string;
  /** The fetch the SDK uses. Default: the global `fetch`. Tests pass one bound to a local server. */
  fetch?: typeof fetch;
  /** `max_tokens` when a request sets no `maxOutputTokens` (the Messages API requires one). Default `4096`. */
  defaultMaxOutputTokens?: number;
}

type MessageCreateParams = Anthropic.MessageCreateParamsNonStreaming;

/** The SDK's client class, once imported. */
let sdk: typeof Anthropic | undefined;

/**
 * Imports the SDK at the first call, not when the provider is built: loading it takes Node about 0.3 s,
 * which every worker and `biged task` paid at start even in fleets that never call Claude.
 */
async function loadSdk(): Promise<typeof Anthropic> {
  sdk ??= (await import('@anthropic-ai/sdk')).default;
  return sdk;
}

/**
 * A `ModelProviderV1` for Claude through the official `@anthropic-ai/sdk` (Messages API). The SDK's own
 * retries are off (`maxRetries: 0`): the router retries. Structured output forces a tool whose
 * `input_schema` is the request's schema; the tool input is the answer. Anthropic has no embeddings API:
 * `embed` fails with a non-retryable `ModelCallError`.
 */
export function createAnthropicProvider(options: AnthropicProviderOptions = {}): ModelProviderV1 {
  const providerId = options.providerId ?? 'claude';
  const defaultMaxTokens = options.defaultMaxOutputTokens ?? 4096;
  let client: Anthropic | undefined;
  const clientFor = async (modelId: string): Promise<Anthropic> => {
    const AnthropicClient = await loadSdk();
    client ??= new AnthropicClient({
      apiKey: loadApiKey({
        apiKey: options.apiKey,
        secrets: options.secrets,
        names: ['ANTHROPIC_API_KEY'],
        providerId,
        modelId,
      }),
      baseURL: options.baseURL,
      fetch: options.fetch,
      maxRetries: 0,
    });
    return client;
  };

  const bodyOf = (request: ModelRequestV1): MessageCreateParams => {
    const { system, messages } = resolveMessages(request);
    return {
      model: request.model,
      max_tokens: request.maxOutputTokens ?? defaultMaxTokens,
      messages,
      ...(system === undefined ? {} : { system }),
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.stop === undefined ? {} : { stop_sequences: request.stop }),
      ...(request.json
        ? {
            tools: [
              {
                name: JSON_TOOL,
                description: 'Respond with the answer as this tool input, following its schema exactly.',
                input_schema: request.json as Anthropic.Tool.InputSchema,
              },
            ],
            tool_choice: { type: 'tool', name: JSON_TOOL, disable_parallel_tool_use: true },
          }
        : {}),
    };
  };

  const contextOf = (request: { model: string }, error: unknown): FailureContext => {
    // No SDK loaded yet: the error came before any request (a missing key), so it is not the SDK's.
    if (sdk && error instanceof sdk.APIError) {
      const body = error.error === undefined ? undefined : JSON.stringify(error.error);
      return {
        providerId,
        modelId: request.model,
        statusCode: error.status,
        headers: headersToRecord(error.headers),
        body,
        detail: error.apiMessage ?? error.message,
      };
    }
    // The SDK read a 2xx response it could not parse (a SyntaxError from JSON.parse, or a stream event
    // it did not expect): say "malformed" with the status it had.
    if (error instanceof SyntaxError) return { providerId, modelId: request.model, statusCode: 200 };
    return { providerId, modelId: request.model };
  };

  return {
    specificationVersion: 'v1',
    providerId,
    isLocal: false,

    async generate(request: ModelRequestV1, { signal }: ModelCallOptionsV1 = {}): Promise<ModelResultV1> {
      signal?.throwIfAborted();
      let message: Anthropic.Message;
      try {
        message = await (await clientFor(request.model)).messages.create(bodyOf(request), { signal });
      } catch (error) {
        throw failure(error, signal, contextOf(request, error));
      }
      if (!message || !Array.isArray(message.content) || !message.usage) {
        throw failure(new Error('the body is not a Messages API message'), signal, {
          providerId,
          modelId: request.model,
          statusCode: 200,
        });
      }
      const usage = usageOf(message.usage);
      if (request.json) {
        const block = message.content.find((part) => part.type === 'tool_use' && part.name === JSON_TOOL);
        const text = block?.type === 'tool_use' ? JSON.stringify(block.input) : textOf(message.content);
        return {
          text,
          json: parseJsonOutput(text, { providerId, modelId: request.model }),
          finishReason: message.stop_reason === 'tool_use' ? 'stop' : finishReasonOf(message.stop_reason),
          usage,
          model: message.model,
          raw: message,
        };
      }
      return {
        text: textOf(message.content),
        finishReason: finishReasonOf(message.stop_reason),
        usage,
        model: message.model,
        raw: message,
      };
    },

    async *stream(
      request: ModelRequestV1,
      { signal }: ModelCallOptionsV1 = {},
    ): AsyncGenerator<ModelStreamPartV1> {
      signal?.throwIfAborted();
      let events: AsyncIterable<Anthropic.RawMessageStreamEvent>;
      try {
        events = await (await clientFor(request.model)).messages.create(
          { ...bodyOf(request), stream: true },
          { signal },
        );
      } catch (error) {
        throw failure(error, signal, contextOf(request, error));
      }
      let model = request.model;
      let usage: ModelUsageV1 = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
      let stopReason: Anthropic.StopReason | null = null;
      let text = '';
      try {
        for await (const event of events) {
          switch (event.type) {
            case 'message_start':
              model = event.message.model;
              usage = usageOf(event.message.usage);
              break;
            case 'content_block_delta':
              if (event.delta.type === 'text_delta' && !request.json) {
                text += event.delta.text;
                yield { type: 'text-delta', text: event.delta.text };
              } else if (event.delta.type === 'input_json_delta' && request.json) {
                text += event.delta.partial_json;
                yield { type: 'text-delta', text: event.delta.partial_json };
              } else if (event.delta.type === 'text_delta' && request.json) {
                text += event.delta.text;
                yield { type: 'text-delta', text: event.delta.text };
              }
              break;
            case 'message_delta':
              stopReason = event.delta.stop_reason ?? stopReason;
              // message_delta carries the cumulative counts; input counts only when the API sends them.
              usage = {
                inputTokens:
                  event.usage.input_tokens == null
                    ? usage.inputTokens
                    : count(event.usage.input_tokens) +
                      count(event.usage.cache_read_input_tokens) +
                      count(event.usage.cache_creation_input_tokens),
                outputTokens: count(event.usage.output_tokens),
                cachedInputTokens:
                  event.usage.cache_read_input_tokens == null
                    ? usage.cachedInputTokens
                    : count(event.usage.cache_read_input_tokens),
              };
              break;
            default:
              break;
          }
        }
      } catch (error) {
        yield { type: 'error', error: failure(error, signal, contextOf(request, error)) };
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
        finishReason: request.json && stopReason === 'tool_use' ? 'stop' : finishReasonOf(stopReason),
        usage,
        model,
        ...(request.json ? { json } : {}),
      };
    },

    async embed(request: EmbedRequestV1): Promise<EmbedResultV1> {
      throw new ModelCallError({
        providerId,
        modelId: request.model,
        isRetryable: false,
        message: `${providerId} (Anthropic) has no embeddings API`,
        hint: 'embed with the local provider (Ollama) or gemini',
      });
    },
  };
}

function textOf(content: Anthropic.ContentBlock[]): string {
  return content
    .filter((block): block is Anthropic.TextBlock => block.type === 'text')
    .map((block) => block.text)
    .join('');
}

function usageOf(usage: Anthropic.Usage): ModelUsageV1 {
  const cached = count(usage.cache_read_input_tokens);
  return {
    // input_tokens counts only the uncached part of the prompt.
    inputTokens: count(usage.input_tokens) + cached + count(usage.cache_creation_input_tokens),
    outputTokens: count(usage.output_tokens),
    cachedInputTokens: cached,
  };
}

function finishReasonOf(reason: Anthropic.StopReason | null | undefined): FinishReasonV1 {
  switch (reason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}
