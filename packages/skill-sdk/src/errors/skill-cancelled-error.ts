import { BigedError } from '@biged/core';

const name = 'SkillCancelledError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** A skill run was cancelled through the caller's `signal`. Code: `SKILL_CANCELLED`. */
export class SkillCancelledError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The skill that was cancelled. */
  readonly skill: string;

  constructor(options: { skill: string; cause?: unknown }) {
    super({
      name,
      code: 'SKILL_CANCELLED',
      message: `skill "${options.skill}" was cancelled`,
      cause: options.cause,
    });
    this.skill = options.skill;
  }

  static override isInstance(error: unknown): error is SkillCancelledError {
    return BigedError.hasMarker(error, marker);
  }
}
