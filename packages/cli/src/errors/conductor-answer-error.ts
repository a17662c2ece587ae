import { BigedError } from '@biged/core/startup';

const name = 'ConductorAnswerError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Options for `new ConductorAnswerError(...)`. */
export interface ConductorAnswerErrorOptions {
  /** The provider that answered. */
  provider: string;
  /** The model that answered. */
  model: string;
  /** Each bad field, as `<path>: <what is wrong>` (`task.payload.path: expected string`). */
  issues: readonly string[];
  /** The answer's text (quoted, shortened, in the message). */
  answer: string;
  /** The underlying error (a `PayloadError` or the JSON parse error), if any. */
  cause?: unknown;
}

const MAX_QUOTED = 300;

/**
 * The conductor model answered, but not with a task BigEd can dispatch: not JSON, an unknown skill, a
 * missing confidence, or a payload that does not match the skill's schema. Nothing was dispatched.
 * Code: `CONDUCTOR_INVALID_ANSWER` (exit code 1). The message lists every bad field; the hint points at the
 * JSON form.
 */
export class ConductorAnswerError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The provider that answered. */
  readonly provider: string;
  /** The model that answered. */
  readonly model: string;
  /** Each bad field. */
  readonly issues: readonly string[];
  /** The answer's full text. */
  readonly answer: string;

  constructor(options: ConductorAnswerErrorOptions) {
    const quoted =
      options.answer.length > MAX_QUOTED ? `${options.answer.slice(0, MAX_QUOTED)}...` : options.answer;
    super({
      name,
      code: 'CONDUCTOR_INVALID_ANSWER',
      message:
        `the conductor model (${options.provider}/${options.model}) answered with a task that does not validate; nothing was dispatched:\n` +
        `${options.issues.map((issue) => `  - ${issue}`).join('\n')}\n` +
        `its answer: ${JSON.stringify(quoted)}`,
      hint: `rephrase the request, or give the task exactly with the JSON form: biged task '{"skill":"<skill>", ...}' or biged dispatch <skill> '<json>'`,
      cause: options.cause,
    });
    this.provider = options.provider;
    this.model = options.model;
    this.issues = [...options.issues];
    this.answer = options.answer;
  }

  static override isInstance(error: unknown): error is ConductorAnswerError {
    return BigedError.hasMarker(error, marker);
  }
}
