import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createSkillRegistry } from './create-skill-registry';
import { defineSkill } from './define-skill';
import { SkillDefinitionError } from './errors/skill-definition-error';
import { SkillNotFoundError } from './errors/skill-not-found-error';

const make = (name: string) =>
  defineSkill({
    name,
    description: `${name} skill`,
    payload: z.object({ n: z.number() }),
    run: ({ n }) => n,
  });

describe('createSkillRegistry', () => {
  it('gets, has and lists skills sorted by name', () => {
    const beta = make('beta');
    const registry = createSkillRegistry([beta, make('alpha'), beta]);
    expect(registry.get('beta')).toBe(beta);
    expect(registry.has('alpha')).toBe(true);
    expect(registry.has('gamma')).toBe(false);
    expect(registry.list().map(({ name }) => name)).toEqual(['alpha', 'beta']);
  });

  it('lists the available skills when one is not found', () => {
    const registry = createSkillRegistry([make('beta'), make('alpha')]);
    let error: unknown;
    try {
      registry.get('gamma');
    } catch (caught) {
      error = caught;
    }
    expect(SkillNotFoundError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'SKILL_NOT_FOUND',
      skill: 'gamma',
      availableSkills: ['alpha', 'beta'],
    });
    expect((error as Error).message).toBe('no skill named "gamma"; available skills: alpha, beta');
  });

  it('rejects two different skills with one name', () => {
    let error: unknown;
    try {
      createSkillRegistry([make('alpha'), make('alpha')]);
    } catch (caught) {
      error = caught;
    }
    expect(SkillDefinitionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SKILL_DUPLICATE_NAME', skill: 'alpha' });
  });
});
