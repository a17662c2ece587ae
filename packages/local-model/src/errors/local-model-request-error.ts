import { BigedError } from '@biged/core';

const name = 'LocalModelRequestError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * A request to the embedded Ollama server was malformed or asked for something it does not support
 * (body not JSON, missing `model`, bad `keep_alive`, unusable `format`, `images` or `tools`).
 * Code: `LOCAL_MODEL_BAD_REQUEST`; answered with HTTP 400 (413 when `reason` is `'too-large'`).
 */
export class LocalModelRequestError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** What was wrong with the request. */
  readonly reason: 'invalid-json' | 'too-large' | 'invalid-field' | 'unsupported';
  /** The request field at fault, when there is one (`model`, `keep_alive`, `format`, ...). */
  readonly field: string | undefined;

  constructor(options: {
    reason: 'invalid-json' | 'too-large' | 'invalid-field' | 'unsupported';
    message: string;
    field?: string;
    cause?: unknown;
  }) {
    super({ name, code: 'LOCAL_MODEL_BAD_REQUEST', message: options.message, cause: options.cause });
    this.reason = options.reason;
    this.field = options.field;
  }

  static override isInstance(error: unknown): error is LocalModelRequestError {
    return BigedError.hasMarker(error, marker);
  }
}
