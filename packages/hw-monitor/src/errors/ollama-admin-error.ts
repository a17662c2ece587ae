import { BigedError } from '@biged/core';

const name = 'OllamaAdminError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Codes `OllamaAdminError` uses. */
export type OllamaAdminErrorCode = 'OLLAMA_UNREACHABLE' | 'OLLAMA_HTTP_ERROR' | 'OLLAMA_BAD_RESPONSE';

/**
 * An Ollama upkeep call (`/api/ps`, `/api/generate` with `keep_alive`) failed.
 * Codes: `OLLAMA_UNREACHABLE` (connection refused, DNS, timeout), `OLLAMA_HTTP_ERROR` (a non-2xx answer;
 * `statusCode` and Ollama's `error` text in the message), `OLLAMA_BAD_RESPONSE` (2xx but not the JSON shape
 * Ollama documents). The monitor reports these in hw_state.json; it never lets them escape a poll.
 */
export class OllamaAdminError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The Ollama base URL called. */
  readonly host: string;
  /** The API path called, e.g. `/api/ps`. */
  readonly path: string;
  /** HTTP status, for `OLLAMA_HTTP_ERROR`. */
  readonly statusCode: number | undefined;

  constructor(options: {
    code: OllamaAdminErrorCode;
    message: string;
    host: string;
    path: string;
    statusCode?: number;
    cause?: unknown;
  }) {
    super({
      name,
      code: options.code,
      message: options.message,
      cause: options.cause,
      hint:
        options.code === 'OLLAMA_UNREACHABLE'
          ? `check that Ollama runs at ${options.host} ([models] ollama_host in fleet.toml)`
          : undefined,
    });
    this.host = options.host;
    this.path = options.path;
    this.statusCode = options.statusCode;
  }

  static override isInstance(error: unknown): error is OllamaAdminError {
    return BigedError.hasMarker(error, marker);
  }
}
