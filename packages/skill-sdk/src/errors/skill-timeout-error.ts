import { BigedError } from '@biged/core';

const name = 'SkillTimeoutError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** A skill ran longer than its timeout. Code: `SKILL_TIMEOUT`. */
export class SkillTimeoutError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The skill that timed out. */
  readonly skill: string;
  /** The limit it ran under, in milliseconds. */
  readonly timeoutMs: number;

  constructor(options: { skill: string; timeoutMs: number }) {
    super({
      name,
      code: 'SKILL_TIMEOUT',
      message: `skill "${options.skill}" did not finish within ${options.timeoutMs} ms`,
      hint: `raise the timeout with [skills.timeouts] ${options.skill} = <seconds> in fleet.toml, or give the task less work`,
    });
    this.skill = options.skill;
    this.timeoutMs = options.timeoutMs;
  }

  static override isInstance(error: unknown): error is SkillTimeoutError {
    return BigedError.hasMarker(error, marker);
  }
}
