import { BigedError } from '@biged/core';

const name = 'SkillNotAllowedError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Air-gap mode allows only the skills in `[fleet] air_gap_skills` (deny by default), and this one is not
 * among them. Code: `SKILL_NOT_ALLOWED_AIR_GAP`. Retrying does not help until the list or the mode changes.
 */
export class SkillNotAllowedError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The skill that was refused. */
  readonly skill: string;
  /** The skills air-gap mode allows. */
  readonly allowedSkills: readonly string[];

  constructor(options: { skill: string; allowedSkills: readonly string[] }) {
    super({
      name,
      code: 'SKILL_NOT_ALLOWED_AIR_GAP',
      message: `skill "${options.skill}" is not on the air-gap allow-list (${options.allowedSkills.join(', ') || 'empty'})`,
      hint: `add "${options.skill}" to [fleet] air_gap_skills in fleet.toml if it never leaves the machine, or turn off air_gap_mode`,
    });
    this.skill = options.skill;
    this.allowedSkills = options.allowedSkills;
  }

  static override isInstance(error: unknown): error is SkillNotAllowedError {
    return BigedError.hasMarker(error, marker);
  }
}
