import { BigedError } from './biged-error';

const name = 'DlpError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** A code of `DlpError`. */
export type DlpErrorCode = 'DLP_INPUT_TOO_LARGE' | 'DLP_INPUT_TOO_DEEP';

/**
 * The secret scanner refused its input. Codes: `DLP_INPUT_TOO_LARGE` (more text than `maxChars`),
 * `DLP_INPUT_TOO_DEEP` (a JSON value nested deeper than `maxDepth`). Callers should refuse to store such
 * input rather than store it unscanned. The message never contains the input.
 */
export class DlpError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;

  constructor(options: { code: DlpErrorCode; message: string }) {
    super({
      name,
      ...options,
      hint: 'store large outputs as files under the fleet home and pass their path instead',
    });
  }

  static override isInstance(error: unknown): error is DlpError {
    return BigedError.hasMarker(error, marker);
  }
}
