import { BigedError } from './biged-error';

const name = 'PayloadError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * A task payload was rejected before anything was stored.
 * Codes: `PAYLOAD_INVALID_JSON`, `PAYLOAD_TOO_LARGE`, `PAYLOAD_NOT_OBJECT`, `PAYLOAD_SCHEMA_MISMATCH`.
 */
export class PayloadError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The skill the payload was meant for, when known. */
  readonly skill: string | undefined;

  constructor(options: {
    code: 'PAYLOAD_INVALID_JSON' | 'PAYLOAD_TOO_LARGE' | 'PAYLOAD_NOT_OBJECT' | 'PAYLOAD_SCHEMA_MISMATCH';
    message: string;
    skill?: string;
    cause?: unknown;
    hint?: string;
  }) {
    super({ name, ...options });
    this.skill = options.skill;
  }

  static override isInstance(error: unknown): error is PayloadError {
    return BigedError.hasMarker(error, marker);
  }
}
