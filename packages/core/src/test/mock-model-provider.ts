import type {
  EmbedRequestV1,
  EmbedResultV1,
  ModelCallOptionsV1,
  ModelProviderV1,
  ModelRequestV1,
  ModelResultV1,
  ModelStreamPartV1,
} from '../router/model-provider-v1';

/** One scripted answer: a value, an error to throw, or a function of the request. */
export type MockScript<Request, Result> =
  | Result
  | Error
  | ((request: Request, options: ModelCallOptionsV1) => Result | Promise<Result>);

/** Options for `new MockModelProvider(...)`. */
export interface MockModelProviderOptions {
  /** Default `'mock'`. */
  providerId?: string;
  /** Default `true`. */
  isLocal?: boolean;
  /**
   * What `generate` answers, one entry per call in order; the last entry answers every later call.
   * Default: `{ text: 'mock answer', finishReason: 'stop', usage: 3 in / 2 out, model: request.model }`.
   */
  generate?: MockScript<ModelRequestV1, ModelResultV1>[];
  /** What `stream` yields, one parts list per call (last repeats). Default: the `generate` answer as one delta. */
  stream?: MockScript<ModelRequestV1, ModelStreamPartV1[]>[];
  /** What `embed` answers (last repeats). Default: a 3-dimensional vector per text. */
  embed?: MockScript<EmbedRequestV1, EmbedResultV1>[];
}

/** One recorded call. */
export interface MockModelProviderCall {
  method: 'generate' | 'stream' | 'embed';
  request: ModelRequestV1 | EmbedRequestV1;
  signal: AbortSignal | undefined;
}

const defaultResult = (request: ModelRequestV1): ModelResultV1 => ({
  text: request.json ? '{}' : 'mock answer',
  ...(request.json ? { json: {} } : {}),
  finishReason: 'stop',
  usage: { inputTokens: 3, outputTokens: 2, cachedInputTokens: 0 },
  model: request.model,
});

/**
 * A `ModelProviderV1` for tests: records every call in `calls` and answers from scripts. An `Error` in a
 * script is thrown (use `ModelCallError` with a `statusCode` to exercise retries and fallbacks).
 * An aborted signal rejects with its reason, like a real adapter.
 *
 * @example
 * const provider = new MockModelProvider({ providerId: 'claude', isLocal: false, generate: [
 *   new ModelCallError({ providerId: 'claude', modelId: 'm', statusCode: 429 }), { text: 'ok', ... } ] });
 */
export class MockModelProvider implements ModelProviderV1 {
  readonly specificationVersion = 'v1' as const;
  readonly providerId: string;
  readonly isLocal: boolean;
  /** Every call, oldest first. */
  readonly calls: MockModelProviderCall[] = [];
  private readonly scripts: Required<Pick<MockModelProviderOptions, 'generate' | 'stream' | 'embed'>>;
  private readonly counts = { generate: 0, stream: 0, embed: 0 };

  constructor(options: MockModelProviderOptions = {}) {
    this.providerId = options.providerId ?? 'mock';
    this.isLocal = options.isLocal ?? true;
    this.scripts = {
      generate: options.generate ?? [defaultResult],
      stream: options.stream ?? [],
      embed: options.embed ?? [
        (request) => ({
          embeddings: request.texts.map((_, index) => [index, 0.5, 1]),
          usage: { inputTokens: request.texts.length },
          model: request.model,
        }),
      ],
    };
  }

  async generate(request: ModelRequestV1, options: ModelCallOptionsV1 = {}): Promise<ModelResultV1> {
    this.calls.push({ method: 'generate', request, signal: options.signal });
    options.signal?.throwIfAborted();
    return this.play(this.scripts.generate, 'generate', request, options);
  }

  async *stream(
    request: ModelRequestV1,
    options: ModelCallOptionsV1 = {},
  ): AsyncGenerator<ModelStreamPartV1> {
    this.calls.push({ method: 'stream', request, signal: options.signal });
    options.signal?.throwIfAborted();
    if (this.scripts.stream.length === 0) {
      const result = await this.play(this.scripts.generate, 'generate', request, options);
      yield { type: 'text-delta', text: result.text };
      yield {
        type: 'finish',
        finishReason: result.finishReason,
        usage: result.usage,
        model: result.model,
        ...(result.json === undefined ? {} : { json: result.json }),
      };
      return;
    }
    for (const part of await this.play(this.scripts.stream, 'stream', request, options)) {
      options.signal?.throwIfAborted();
      yield part;
    }
  }

  async embed(request: EmbedRequestV1, options: ModelCallOptionsV1 = {}): Promise<EmbedResultV1> {
    this.calls.push({ method: 'embed', request, signal: options.signal });
    options.signal?.throwIfAborted();
    return this.play(this.scripts.embed, 'embed', request, options);
  }

  private async play<Request, Result>(
    scripts: MockScript<Request, Result>[],
    method: 'generate' | 'stream' | 'embed',
    request: Request,
    options: ModelCallOptionsV1,
  ): Promise<Result> {
    const index = Math.min(this.counts[method], scripts.length - 1);
    this.counts[method] += 1;
    const script = scripts[index];
    if (script === undefined) throw new Error(`MockModelProvider: no ${method} script`);
    if (script instanceof Error) throw script;
    if (typeof script === 'function') {
      return (script as (request: Request, options: ModelCallOptionsV1) => Result | Promise<Result>)(
        request,
        options,
      );
    }
    return script;
  }
}
