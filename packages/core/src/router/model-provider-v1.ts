/**
 * The `ModelProvider` contract, version 1: what every model provider adapter (Ollama, Claude, Gemini,
 * a test mock, a third party's) implements so the router can call it. A new version gets a new file;
 * this one stays until the next major.
 */

/** A JSON schema object (draft 2020-12 subset the providers understand), e.g. `{ type: 'object', ... }`. */
export type JsonSchemaV1 = Record<string, unknown>;

/** One chat message. `system` messages are merged into the provider's system prompt. */
export interface ModelMessageV1 {
  /** Who speaks. */
  role: 'system' | 'user' | 'assistant';
  /** Plain text content. */
  content: string;
}

/**
 * One generation request. Give `prompt` (one user turn) or `messages` (a conversation); `system` is
 * prepended to either.
 */
export interface ModelRequestV1 {
  /** The provider's model id, e.g. `qwen3:8b`, `claude-sonnet-4-5`, `gemini-2.5-flash`. */
  model: string;
  /** A single user turn. Ignored when `messages` is given. */
  prompt?: string;
  /** A conversation, oldest first. */
  messages?: ModelMessageV1[];
  /** System instructions. Default: none. */
  system?: string;
  /**
   * Structured output: a JSON schema the answer must follow. The result then carries the parsed value in
   * `json`; text that does not parse is a `ModelCallError` (`generate`) or an `error` part (`stream`).
   * Default: none (free text).
   */
  json?: JsonSchemaV1;
  /** Most tokens to generate. Default: the provider's (Claude requires one; its adapter defaults to 4096). */
  maxOutputTokens?: number;
  /** Sampling temperature. Default: the provider's. */
  temperature?: number;
  /** Stop sequences. Default: none. */
  stop?: string[];
}

/** Tokens a call used, as the provider reported them (0 when it reported none). */
export interface ModelUsageV1 {
  /** Prompt tokens, cached ones included. */
  inputTokens: number;
  /** Generated tokens. */
  outputTokens: number;
  /** Prompt tokens served from the provider's prompt cache (billed lower). */
  cachedInputTokens: number;
}

/** Why generation ended. */
export type FinishReasonV1 = 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'other';

/** What `generate` returns. */
export interface ModelResultV1 {
  /** The generated text (for structured output: the JSON text). */
  text: string;
  /** The parsed structured output, when the request had a `json` schema. */
  json?: unknown;
  /** Why generation ended. */
  finishReason: FinishReasonV1;
  /** Token usage. */
  usage: ModelUsageV1;
  /** The model that answered, as the provider named it. */
  model: string;
  /** The provider's raw response, for debugging. Not stable. */
  raw?: unknown;
}

/**
 * One part of a streamed answer. A stream is zero or more `text-delta` parts, then exactly one `finish`
 * part, or an `error` part (a parse failure or a broken connection mid-stream) after which nothing follows.
 * A failure before the first part (HTTP 429, 500, refused connection) is thrown from the first `next()`
 * instead, so the router can still retry it.
 */
export type ModelStreamPartV1 =
  | { type: 'text-delta'; text: string }
  | {
      type: 'finish';
      finishReason: FinishReasonV1;
      usage: ModelUsageV1;
      model: string;
      /** Parsed structured output, when the request had a `json` schema. */
      json?: unknown;
    }
  | { type: 'error'; error: unknown };

/** Per-call options. */
export interface ModelCallOptionsV1 {
  /** Cancels the call; the adapter rejects (or ends the stream) with `signal.reason`. */
  signal?: AbortSignal;
}

/** An embedding request. */
export interface EmbedRequestV1 {
  /** The embedding model, e.g. `nomic-embed-text`, `gemini-embedding-001`. */
  model: string;
  /** Texts to embed, one vector each. */
  texts: string[];
}

/** What `embed` returns. */
export interface EmbedResultV1 {
  /** One vector per input text, in input order. */
  embeddings: number[][];
  /** Input tokens, when the provider reports them (else 0). */
  usage: { inputTokens: number };
  /** The model that answered. */
  model: string;
}

/**
 * A model provider. Implementations must:
 * - never retry on their own (the router's `retryWithBackoff` is the only retry; SDKs get `maxRetries: 0`);
 * - raise `ModelCallError` (with `statusCode`, `responseHeaders`, `isRetryable`) for every failed call;
 * - reject with `signal.reason` when the caller's signal aborts.
 */
export interface ModelProviderV1 {
  /** Always `'v1'` for this contract. */
  readonly specificationVersion: 'v1';
  /** Stable id the router and fleet.toml use, e.g. `local`, `claude`, `gemini`. */
  readonly providerId: string;
  /** True when calls never leave the machine (Ollama); offline and air-gap modes allow only these. */
  readonly isLocal: boolean;
  /** One full answer. */
  generate(request: ModelRequestV1, options?: ModelCallOptionsV1): Promise<ModelResultV1>;
  /** The answer as it is generated. */
  stream(request: ModelRequestV1, options?: ModelCallOptionsV1): AsyncIterable<ModelStreamPartV1>;
  /** Embedding vectors. */
  embed(request: EmbedRequestV1, options?: ModelCallOptionsV1): Promise<EmbedResultV1>;
}
