import type { Skill } from './define-skill';
import { SkillDefinitionError } from './errors/skill-definition-error';
import { SkillNotFoundError } from './errors/skill-not-found-error';

/** The skills a host can run, by name. */
export interface SkillRegistry {
  /** The skill called `name`; throws `SkillNotFoundError` (`SKILL_NOT_FOUND`) listing the available ones. */
  get(name: string): Skill;
  /** True when a skill called `name` is registered. */
  has(name: string): boolean;
  /** Every skill, sorted by name. */
  list(): Skill[];
}

/**
 * Creates a registry from skills (built-in and loaded ones together). Two skills with the same name
 * throw `SkillDefinitionError` (`SKILL_DUPLICATE_NAME`); the same skill object twice is kept once.
 */
export function createSkillRegistry(skills: Iterable<Skill>): SkillRegistry {
  const byName = new Map<string, Skill>();
  for (const skill of skills) {
    const existing = byName.get(skill.name);
    if (existing === skill) continue;
    if (existing) {
      throw new SkillDefinitionError({
        code: 'SKILL_DUPLICATE_NAME',
        skill: skill.name,
        message: `two different skills are named "${skill.name}"`,
        hint: 'rename one of them, or remove the directory or package that brings the copy',
      });
    }
    byName.set(skill.name, skill);
  }
  const sorted = [...byName.values()].sort((left, right) => (left.name < right.name ? -1 : 1));
  return {
    get(name) {
      const skill = byName.get(name);
      if (!skill)
        throw new SkillNotFoundError({ skill: name, availableSkills: sorted.map(({ name }) => name) });
      return skill;
    },
    has: (name) => byName.has(name),
    list: () => [...sorted],
  };
}
