import { BigedError } from '@biged/core';

const name = 'LocalModelBackendError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * The llama.cpp backend failed: its prebuilt binary could not be loaded on this machine
 * (`LOCAL_MODEL_BACKEND_UNAVAILABLE`), or a model file could not be loaded (`LOCAL_MODEL_LOAD_FAILED`,
 * for example a corrupt GGUF or not enough memory). The original error is the `cause`.
 */
export class LocalModelBackendError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The GGUF file being loaded, for `LOCAL_MODEL_LOAD_FAILED`. */
  readonly file: string | undefined;

  constructor(options: {
    code: 'LOCAL_MODEL_BACKEND_UNAVAILABLE' | 'LOCAL_MODEL_LOAD_FAILED';
    message: string;
    file?: string;
    cause?: unknown;
    hint?: string;
  }) {
    super({ name, ...options });
    this.file = options.file;
  }

  static override isInstance(error: unknown): error is LocalModelBackendError {
    return BigedError.hasMarker(error, marker);
  }
}
