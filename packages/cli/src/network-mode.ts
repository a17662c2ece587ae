import type { FleetConfig } from '@biged/core';
import { type Skill, skillModeRefusal } from '@biged/skill-sdk';

/** Whether the fleet may use the network: `[fleet] air_gap_mode` wins over `offline_mode`. */
export type NetworkMode = 'online' | 'offline' | 'air-gap';

/** The fleet's network mode from fleet.toml (`air-gap` when both switches are on). */
export function networkModeOf(config: FleetConfig): NetworkMode {
  if (config.fleet.air_gap_mode) return 'air-gap';
  if (config.fleet.offline_mode) return 'offline';
  return 'online';
}

/** True when `mode` refuses `skill` (a `requiresNetwork` skill in offline or air-gap mode). */
export function isRefusedOffline(skill: Pick<Skill, 'requiresNetwork'>, mode: NetworkMode): boolean {
  return skill.requiresNetwork && mode !== 'online';
}

/**
 * Throws what the fleet's mode refuses (`skillModeRefusal`): `SkillNetworkDisabledError`
 * (`SKILL_NETWORK_DISABLED`) for a `requiresNetwork` skill in offline or air-gap mode, `SkillNotAllowedError`
 * (`SKILL_NOT_ALLOWED_AIR_GAP`) for a skill off `[fleet] air_gap_skills` in air-gap mode. `dispatch` and `task`
 * call it before the queue is opened, so a refused task is never stored (the worker refuses it again at run
 * time, for tasks queued before the mode changed).
 */
export function assertSkillAllowed(skill: Skill, config: FleetConfig): void {
  const refusal = skillModeRefusal(skill, config);
  if (refusal) throw refusal;
}
