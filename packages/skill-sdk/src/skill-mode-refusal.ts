import type { FleetConfig } from '@biged/core';
import { SkillNetworkDisabledError } from './errors/skill-network-disabled-error';
import { SkillNotAllowedError } from './errors/skill-not-allowed-error';
import type { SkillV1 } from './skill-v1';

/**
 * Why the fleet's mode refuses a skill, or undefined when it may run: a `requiresNetwork` skill in offline
 * or air-gap mode (`SkillNetworkDisabledError`), or, in air-gap mode, a skill missing from
 * `[fleet] air_gap_skills` (`SkillNotAllowedError`). Hosts check it at dispatch (nothing is stored) and
 * `runSkill` again at run time (for tasks queued before the mode changed).
 */
export function skillModeRefusal(
  skill: Pick<SkillV1, 'name' | 'requiresNetwork'>,
  config: Pick<FleetConfig, 'fleet'>,
): SkillNetworkDisabledError | SkillNotAllowedError | undefined {
  const { air_gap_mode: airGap, offline_mode: offline, air_gap_skills: allowed } = config.fleet;
  if (skill.requiresNetwork && (airGap || offline)) {
    return new SkillNetworkDisabledError({ skill: skill.name, mode: airGap ? 'air-gap' : 'offline' });
  }
  if (airGap && !allowed.includes(skill.name)) {
    return new SkillNotAllowedError({ skill: skill.name, allowedSkills: allowed });
  }
  return undefined;
}
