import { BigedError } from '@biged/core';

const name = 'LocalModelNotFoundError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * A request named a model that has no GGUF file in the models folder.
 * Code: `LOCAL_MODEL_NOT_FOUND`; the embedded server answers it with HTTP 404 and Ollama's message.
 */
export class LocalModelNotFoundError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The model name as requested. */
  readonly model: string;
  /** The names the models folder does serve (`<basename>:latest`). */
  readonly availableModels: readonly string[];

  constructor(options: { model: string; availableModels: readonly string[]; cause?: unknown }) {
    super({
      name,
      code: 'LOCAL_MODEL_NOT_FOUND',
      // Ollama's exact wording: clients and scripts match on it.
      message: `model "${options.model}" not found, try pulling it first`,
      cause: options.cause,
      hint:
        options.availableModels.length > 0
          ? `use one of: ${options.availableModels.join(', ')}`
          : 'put a .gguf file in the models folder of the fleet home',
    });
    this.model = options.model;
    this.availableModels = options.availableModels;
  }

  static override isInstance(error: unknown): error is LocalModelNotFoundError {
    return BigedError.hasMarker(error, marker);
  }
}
