import { BigedError } from '@biged/core';

const name = 'SkillNotFoundError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** A registry was asked for a skill it does not hold. Code: `SKILL_NOT_FOUND`. */
export class SkillNotFoundError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The name that was asked for. */
  readonly skill: string;
  /** Every name the registry does hold, sorted. */
  readonly availableSkills: string[];

  constructor(options: { skill: string; availableSkills: string[] }) {
    const available = options.availableSkills.length > 0 ? options.availableSkills.join(', ') : '(none)';
    super({
      name,
      code: 'SKILL_NOT_FOUND',
      message: `no skill named "${options.skill}"; available skills: ${available}`,
      hint: 'check the skill name, or add the skill to [skills] dirs / packages in fleet.toml',
    });
    this.skill = options.skill;
    this.availableSkills = options.availableSkills;
  }

  static override isInstance(error: unknown): error is SkillNotFoundError {
    return BigedError.hasMarker(error, marker);
  }
}
