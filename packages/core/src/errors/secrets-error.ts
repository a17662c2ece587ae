import { BigedError } from './biged-error';

const name = 'SecretsError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** A code of `SecretsError`. */
export type SecretsErrorCode =
  | 'SECRETS_INVALID_KEY'
  | 'SECRETS_INVALID_VALUE'
  | 'SECRETS_AIR_GAP'
  | 'SECRETS_NOT_FOUND'
  | 'SECRETS_READ_FAILED'
  | 'SECRETS_WRITE_FAILED';

/**
 * The secrets file (`~/.secrets`) could not be used as asked.
 * Codes: `SECRETS_INVALID_KEY` (not an upper-case shell variable name), `SECRETS_INVALID_VALUE`
 * (empty, or holds a NUL or a line break), `SECRETS_AIR_GAP` (air-gap mode: the file is never opened),
 * `SECRETS_NOT_FOUND` (no such key), `SECRETS_READ_FAILED`, `SECRETS_WRITE_FAILED`.
 *
 * The message never contains a secret value.
 */
export class SecretsError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The key involved, when there is one (never the value). */
  readonly key: string | undefined;
  /** The secrets file involved. */
  readonly file: string | undefined;

  constructor(options: {
    code: SecretsErrorCode;
    message: string;
    key?: string;
    file?: string;
    cause?: unknown;
    hint?: string;
  }) {
    const { key, file, ...rest } = options;
    super({ name, ...rest });
    this.key = key;
    this.file = file;
  }

  static override isInstance(error: unknown): error is SecretsError {
    return BigedError.hasMarker(error, marker);
  }
}
