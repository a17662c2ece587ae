import { BigedError } from '@biged/core';

const name = 'SkillResultError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * A skill returned a value that cannot be stored as JSON (a cycle, a BigInt, ...).
 * Code: `SKILL_RESULT_NOT_JSON`. The serialisation error is the `cause`.
 */
export class SkillResultError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The skill that returned the value. */
  readonly skill: string;

  constructor(options: { skill: string; cause?: unknown }) {
    const reason = options.cause instanceof Error ? `: ${options.cause.message}` : '';
    super({
      name,
      code: 'SKILL_RESULT_NOT_JSON',
      message: `skill "${options.skill}" returned a value that is not JSON-serialisable${reason}`,
      cause: options.cause,
      hint: 'return plain objects, arrays, strings, numbers, booleans and null',
    });
    this.skill = options.skill;
  }

  static override isInstance(error: unknown): error is SkillResultError {
    return BigedError.hasMarker(error, marker);
  }
}
