import { BigedError } from '@biged/core';

const name = 'SkillNetworkDisabledError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * A skill that declares `requiresNetwork: true` was asked to run while the fleet is in offline or
 * air-gap mode. Code: `SKILL_NETWORK_DISABLED`. Retrying does not help until the mode changes.
 */
export class SkillNetworkDisabledError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The skill that was refused. */
  readonly skill: string;
  /** The mode that refused it. */
  readonly mode: 'offline' | 'air-gap';

  constructor(options: { skill: string; mode: 'offline' | 'air-gap' }) {
    super({
      name,
      code: 'SKILL_NETWORK_DISABLED',
      message: `skill "${options.skill}" needs the network, which ${options.mode} mode disables`,
      hint: `turn off ${options.mode === 'offline' ? 'offline_mode' : 'air_gap_mode'} in [fleet] of fleet.toml, or use a local skill`,
    });
    this.skill = options.skill;
    this.mode = options.mode;
  }

  static override isInstance(error: unknown): error is SkillNetworkDisabledError {
    return BigedError.hasMarker(error, marker);
  }
}
