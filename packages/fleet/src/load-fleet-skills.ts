import path from 'node:path';
import type { FleetConfig } from '@biged/core';
import {
  createSkillRegistry,
  loadSkillsFromDirectory,
  loadSkillsFromPackage,
  type Skill,
  type SkillRegistry,
} from '@biged/skill-sdk';
import { builtinSkills } from '@biged/skills';

/** Options for `loadFleetSkills`. */
export interface LoadFleetSkillsOptions {
  home: string;
  config: FleetConfig;
}

/**
 * Every skill this fleet can run: the built-ins, then third-party skills from `[skills] dirs`
 * (relative to the home) and `[skills] packages` (resolved from the home). A name used twice is an error.
 */
export async function loadFleetSkills({ home, config }: LoadFleetSkillsOptions): Promise<SkillRegistry> {
  const skills: Skill[] = [...(builtinSkills as readonly Skill[])];
  for (const dir of config.skills.dirs) {
    skills.push(...(await loadSkillsFromDirectory(path.resolve(home, dir))));
  }
  for (const name of config.skills.packages) {
    skills.push(...(await loadSkillsFromPackage(name, { from: home })));
  }
  return createSkillRegistry(skills);
}
