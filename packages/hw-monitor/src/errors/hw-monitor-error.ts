import { BigedError } from '@biged/core';

const name = 'HwMonitorError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Codes `HwMonitorError` uses. */
export type HwMonitorErrorCode = 'HW_INVALID_INPUT' | 'HW_STATE_WRITE_FAILED';

/**
 * The hardware monitor was given input it cannot use, or could not write hw_state.json.
 * Codes: `HW_INVALID_INPUT` (a negative power, an out-of-order sample, ...),
 * `HW_STATE_WRITE_FAILED` (the temp file or the rename failed; `file` names the target).
 * Readings that fail (no GPU, nvidia-smi errors, Ollama down) are never thrown: they are reported in the state.
 */
export class HwMonitorError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The file involved, for `HW_STATE_WRITE_FAILED`. */
  readonly file: string | undefined;

  constructor(options: {
    code: HwMonitorErrorCode;
    message: string;
    file?: string;
    cause?: unknown;
    hint?: string;
  }) {
    super({ name, ...options });
    this.file = options.file;
  }

  static override isInstance(error: unknown): error is HwMonitorError {
    return BigedError.hasMarker(error, marker);
  }
}
