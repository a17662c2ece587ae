import { parseFleetConfig } from '@biged/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineSkill } from './define-skill';
import { SkillNetworkDisabledError } from './errors/skill-network-disabled-error';
import { SkillNotAllowedError } from './errors/skill-not-allowed-error';
import { runSkill } from './run-skill';
import { skillModeRefusal } from './skill-mode-refusal';

const configOf = (fleet: Record<string, unknown>) => parseFleetConfig({ fleet }).config;
let ran = 0;
const local = defineSkill({
  name: 'local_tool',
  description: 'Works on the machine only.',
  payload: z.object({}),
  run: () => {
    ran += 1;
    return 'ran';
  },
});
const fetcher = defineSkill({
  name: 'fetcher',
  description: 'Needs the internet.',
  payload: z.object({}),
  requiresNetwork: true,
  run: () => 'fetched',
});

describe('skillModeRefusal', () => {
  it('allows everything online, and local skills offline', () => {
    expect(skillModeRefusal(fetcher, configOf({}))).toBeUndefined();
    expect(skillModeRefusal(local, configOf({ offline_mode: true }))).toBeUndefined();
    expect(
      SkillNetworkDisabledError.isInstance(skillModeRefusal(fetcher, configOf({ offline_mode: true }))),
    ).toBe(true);
  });

  it('in air-gap mode denies by default: only [fleet] air_gap_skills run', () => {
    const airGap = configOf({ air_gap_mode: true });
    expect(airGap.fleet.air_gap_skills).toContain('summarize');
    const refusal = skillModeRefusal(local, airGap);
    expect(SkillNotAllowedError.isInstance(refusal)).toBe(true);
    expect(refusal).toMatchObject({ code: 'SKILL_NOT_ALLOWED_AIR_GAP', skill: 'local_tool' });
    expect(
      skillModeRefusal(local, configOf({ air_gap_mode: true, air_gap_skills: ['local_tool'] })),
    ).toBeUndefined();
    // On the list but needing the network: still refused, for the network.
    const listed = configOf({ air_gap_mode: true, air_gap_skills: ['fetcher'] });
    expect(skillModeRefusal(fetcher, listed)).toMatchObject({
      code: 'SKILL_NETWORK_DISABLED',
      mode: 'air-gap',
    });
  });

  it('runSkill refuses before the skill runs', async () => {
    ran = 0;
    await expect(runSkill(local, {}, { config: configOf({ air_gap_mode: true }) })).rejects.toMatchObject({
      code: 'SKILL_NOT_ALLOWED_AIR_GAP',
    });
    expect(ran).toBe(0);
    const allowed = configOf({ air_gap_mode: true, air_gap_skills: ['local_tool'] });
    await expect(runSkill(local, {}, { config: allowed })).resolves.toMatchObject({ result: 'ran' });
    expect(ran).toBe(1);
  });
});
