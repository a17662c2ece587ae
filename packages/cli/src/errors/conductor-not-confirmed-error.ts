import { BigedError } from '@biged/core/startup';

const name = 'ConductorNotConfirmedError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Options for `new ConductorNotConfirmedError(...)`. */
export interface ConductorNotConfirmedErrorOptions {
  /** `no-terminal`: nobody could be asked (stdin is not a TTY) and `--yes` was not given; `declined`: the user said no. */
  reason: 'no-terminal' | 'declined';
  /** The skill the conductor chose. */
  skill: string;
  /** The payload it would have dispatched. */
  payload: Record<string, unknown>;
  /** How sure the conductor was (`medium` or `low`). */
  confidence: string;
}

const shellQuote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * The conductor was not sure of its interpretation and nobody confirmed it, so nothing was dispatched.
 * Code: `CONDUCTOR_NOT_CONFIRMED` (exit code 1). The hint gives `--yes` and the exact `biged dispatch` line.
 */
export class ConductorNotConfirmedError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** Why it was not confirmed. */
  readonly reason: 'no-terminal' | 'declined';
  /** The skill the conductor chose. */
  readonly skill: string;
  /** The payload it would have dispatched. */
  readonly payload: Record<string, unknown>;
  /** How sure the conductor was. */
  readonly confidence: string;

  constructor(options: ConductorNotConfirmedErrorOptions) {
    const { reason, skill, payload, confidence } = options;
    const reading = `${skill} ${JSON.stringify(payload)}`;
    const dispatch = `biged dispatch ${skill} ${shellQuote(JSON.stringify(payload))}`;
    super({
      name,
      code: 'CONDUCTOR_NOT_CONFIRMED',
      message:
        reason === 'declined'
          ? `not dispatched: you declined ${reading}`
          : `the conductor is not sure (confidence ${confidence}) that you meant ${reading}, and there is no terminal to confirm it on; nothing was dispatched`,
      hint:
        reason === 'declined'
          ? `rephrase the request, or dispatch exactly what you mean: ${dispatch}`
          : `re-run with --yes to dispatch it anyway, or dispatch exactly what you mean: ${dispatch}`,
    });
    this.reason = reason;
    this.skill = skill;
    this.payload = payload;
    this.confidence = confidence;
  }

  static override isInstance(error: unknown): error is ConductorNotConfirmedError {
    return BigedError.hasMarker(error, marker);
  }
}
