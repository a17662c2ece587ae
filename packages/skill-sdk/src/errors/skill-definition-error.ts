import { BigedError } from '@biged/core';

const name = 'SkillDefinitionError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * A skill definition is malformed (`SKILL_INVALID_DEFINITION`: bad name, missing `run`, bad timeout, ...)
 * or two skills share a name in one registry (`SKILL_DUPLICATE_NAME`).
 */
export class SkillDefinitionError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The skill's name as given (may be the invalid value itself). */
  readonly skill: string | undefined;

  constructor(options: {
    code: 'SKILL_INVALID_DEFINITION' | 'SKILL_DUPLICATE_NAME';
    message: string;
    skill?: string;
    cause?: unknown;
    hint?: string;
  }) {
    super({ name, ...options });
    this.skill = options.skill;
  }

  static override isInstance(error: unknown): error is SkillDefinitionError {
    return BigedError.hasMarker(error, marker);
  }
}
