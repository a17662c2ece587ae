import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { DEFAULT_SKILL_TIMEOUT_MS, defineSkill, isSkill } from './define-skill';
import { SkillDefinitionError } from './errors/skill-definition-error';

const base = {
  name: 'echo_back',
  description: 'Returns its payload.',
  payload: z.object({ text: z.string(), times: z.number().int().default(1) }),
  run: ({ text, times }: { text: string; times: number }) => ({ text: text.repeat(times) }),
};

describe('defineSkill', () => {
  it('fills in the defaults and marks the contract version', () => {
    const skill = defineSkill(base);
    expect(skill).toMatchObject({
      specificationVersion: 'v1',
      name: 'echo_back',
      requiresNetwork: false,
      timeoutMs: DEFAULT_SKILL_TIMEOUT_MS,
      roles: [],
    });
    expect(Object.isFrozen(skill)).toBe(true);
    expect(isSkill(skill)).toBe(true);
  });

  it('infers the payload type of run from the schema (defaults applied)', () => {
    defineSkill({
      name: 'typed',
      description: 'Type inference check.',
      payload: z.object({ path: z.string(), maxFiles: z.number().default(10) }),
      run: (payload) => {
        expectTypeOf(payload).toEqualTypeOf<{ path: string; maxFiles: number }>();
        return payload.maxFiles;
      },
    });
  });

  it.each([
    ['Upper', 'invalid skill name "Upper"'],
    ['1abc', 'invalid skill name "1abc"'],
    ['with-dash', 'invalid skill name "with-dash"'],
    ['', 'invalid skill name ""'],
  ])('rejects the name %j', (name, message) => {
    const attempt = () => defineSkill({ ...base, name });
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect(SkillDefinitionError.isInstance(error)).toBe(true);
      expect((error as SkillDefinitionError).code).toBe('SKILL_INVALID_DEFINITION');
    }
  });

  it('rejects a missing description, schema, run or a bad timeout', () => {
    expect(() => defineSkill({ ...base, description: ' ' })).toThrow('needs a non-empty description');
    expect(() => defineSkill({ ...base, payload: {} as never })).toThrow('payload must be a zod schema');
    expect(() => defineSkill({ ...base, run: undefined as never })).toThrow('run must be a function');
    expect(() => defineSkill({ ...base, timeoutMs: 0 })).toThrow('timeoutMs must be a positive number');
    expect(() => defineSkill({ ...base, roles: [1] as never })).toThrow('roles must be an array');
  });
});

describe('isSkill', () => {
  it('recognises skills by shape, not by prototype', () => {
    const foreign = { specificationVersion: 'v1', name: 'x', run: () => 1, payload: z.object({}) };
    expect(isSkill(foreign)).toBe(true);
    expect(isSkill({ ...foreign, specificationVersion: 'v2' })).toBe(false);
    expect(isSkill({ ...foreign, run: 'no' })).toBe(false);
    expect(isSkill(null)).toBe(false);
  });
});
