import { BigedError } from '@biged/core';

const name = 'SkillModelsUnavailableError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * A skill called `ctx.models` but its host gave it no model router (a `runSkill` without `models`, or a
 * worker whose router could not be built). Code: `SKILL_NO_MODEL_ROUTER`.
 */
export class SkillModelsUnavailableError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The skill that asked for a model. */
  readonly skill: string;

  constructor(options: { skill: string }) {
    super({
      name,
      code: 'SKILL_NO_MODEL_ROUTER',
      message: `skill "${options.skill}" called a language model, but its host gave it no model router`,
      hint: 'pass `models` (a router from createRouter or createFleetRouter) to runSkill, or check the worker log for why the router failed to start',
    });
    this.skill = options.skill;
  }

  static override isInstance(error: unknown): error is SkillModelsUnavailableError {
    return BigedError.hasMarker(error, marker);
  }
}
