import { createSkillRegistry, defineSkill, type Skill, z } from '@biged/skill-sdk';
import { builtinSkills } from '@biged/skills';
import { describe, expect, it } from 'vitest';
import { buildConductorPrompt } from './conductor-prompt';
import { buildConductorSchema } from './conductor-schema';

const summarize = defineSkill({
  name: 'test_summarize',
  description: 'Summarizes a file.',
  payload: z.strictObject({ file: z.string().min(1), words: z.number().int().default(100) }),
  run: () => ({}),
});
const fetchPage = defineSkill({
  name: 'test_fetch',
  description: 'Fetches a URL.',
  payload: z.object({ url: z.string() }),
  requiresNetwork: true,
  run: () => ({}),
});
const twoSkills = createSkillRegistry([summarize, fetchPage]);

type Branch = {
  type: string;
  properties: { skill: { const: string }; payload: Record<string, unknown> };
  required: string[];
  additionalProperties: boolean;
};
const branchesOf = (schema: Record<string, unknown>) =>
  ((schema.properties as { task: { anyOf: Branch[] } }).task.anyOf as Branch[]) ?? [];

describe('buildConductorSchema', () => {
  it('has one branch per registered skill: its name as a const and its payload JSON Schema (input form)', () => {
    const { schema, skills, skipped } = buildConductorSchema({ registry: twoSkills });
    expect(skills.map(({ name }) => name)).toEqual(['test_fetch', 'test_summarize']);
    expect(skipped).toEqual([]);
    expect(schema).toEqual({
      type: 'object',
      properties: {
        task: {
          anyOf: [
            {
              type: 'object',
              properties: {
                skill: { const: 'test_fetch' },
                payload: {
                  type: 'object',
                  properties: { url: { type: 'string' } },
                  required: ['url'],
                },
              },
              required: ['skill', 'payload'],
              additionalProperties: false,
            },
            {
              type: 'object',
              properties: {
                skill: { const: 'test_summarize' },
                payload: {
                  type: 'object',
                  properties: {
                    file: { type: 'string', minLength: 1 },
                    // io: 'input': a field with a default is optional.
                    words: {
                      type: 'integer',
                      default: 100,
                      minimum: -9007199254740991,
                      maximum: 9007199254740991,
                    },
                  },
                  required: ['file'],
                  additionalProperties: false,
                },
              },
              required: ['skill', 'payload'],
              additionalProperties: false,
            },
          ],
        },
        confidence: { type: 'string', enum: ['high', 'medium', 'low'] },
      },
      required: ['task', 'confidence'],
      additionalProperties: false,
    });
  });

  it('covers every built-in skill, with no $schema left inside', () => {
    const { schema, skills } = buildConductorSchema({ registry: createSkillRegistry(builtinSkills) });
    const names = builtinSkills.map(({ name }) => name).sort();
    expect(skills.map(({ name }) => name)).toEqual(names);
    const branches = branchesOf(schema);
    expect(branches.map((branch) => branch.properties.skill.const)).toEqual(names);
    for (const [index, skill] of skills.entries()) {
      const { $schema, ...expected } = z.toJSONSchema(skill.payload, { io: 'input' }) as Record<
        string,
        unknown
      >;
      expect($schema).toBeTypeOf('string');
      expect(branches[index]!.properties.payload).toEqual(expected);
    }
    expect(JSON.stringify(schema)).not.toContain('$schema');
  });

  it.each([
    ['offline', 'offline'],
    ['air-gap', 'air-gap'],
  ] as const)('leaves out requiresNetwork skills in %s mode', (_name, mode) => {
    const { schema, skills, skipped } = buildConductorSchema({ registry: twoSkills, mode });
    expect(skills.map(({ name }) => name)).toEqual(['test_summarize']);
    expect(skipped).toEqual([{ name: 'test_fetch', reason: 'network' }]);
    expect(branchesOf(schema).map((branch) => branch.properties.skill.const)).toEqual(['test_summarize']);
  });

  it('in air-gap mode offers only the skills on the allow-list', () => {
    const { skills, skipped } = buildConductorSchema({
      registry: twoSkills,
      mode: 'air-gap',
      airGapSkills: [],
    });
    expect(skills).toEqual([]);
    expect(skipped).toEqual([
      { name: 'test_fetch', reason: 'network' },
      { name: 'test_summarize', reason: 'air-gap' },
    ]);
    const listed = buildConductorSchema({
      registry: twoSkills,
      mode: 'air-gap',
      airGapSkills: ['test_summarize'],
    });
    expect(listed.skills.map(({ name }) => name)).toEqual(['test_summarize']);
  });

  it('leaves out a skill whose payload schema has no JSON Schema form, with a debug log', () => {
    const custom = defineSkill({
      name: 'test_custom',
      description: 'Takes a custom-validated payload.',
      payload: z.custom<Record<string, unknown>>((value) => typeof value === 'object'),
      run: () => ({}),
    });
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const { skills, skipped } = buildConductorSchema({
      registry: createSkillRegistry([custom, summarize]),
      log: { debug: (message, fields) => lines.push([message, fields]) },
    });
    expect(skills.map(({ name }) => name)).toEqual(['test_summarize']);
    expect(skipped).toMatchObject([
      { name: 'test_custom', reason: 'schema', detail: expect.stringMatching(/Custom types/) },
    ]);
    expect(lines).toEqual([
      [
        expect.stringContaining('left out'),
        { skill: 'test_custom', error: expect.stringMatching(/Custom types/) },
      ],
    ]);
  });

  it("moves a recursive payload schema's definitions to the root, renamed per skill", () => {
    type Node = { name: string; children?: Node[] };
    const node: z.ZodType<Node> = z.object({
      name: z.string(),
      get children() {
        return z.array(node).optional();
      },
    });
    const tree = defineSkill({
      name: 'test_tree',
      description: 'Takes two trees.',
      payload: z.object({ left: node, right: node }),
      run: () => ({}),
    });
    const flat = defineSkill({
      name: 'test_flat',
      description: 'Takes one tree as its whole payload.',
      payload: node,
      run: () => ({}),
    });
    const { schema } = buildConductorSchema({ registry: createSkillRegistry([tree, flat]) });
    const defs = schema.$defs as Record<string, unknown>;
    expect(Object.keys(defs).sort()).toEqual(['test_flat__payload', 'test_tree____schema0']);
    const [flatBranch, treeBranch] = branchesOf(schema);
    expect(treeBranch!.properties.payload.properties).toEqual({
      left: { $ref: '#/$defs/test_tree____schema0' },
      right: { $ref: '#/$defs/test_tree____schema0' },
    });
    expect(JSON.stringify(defs.test_tree____schema0)).toContain('"$ref":"#/$defs/test_tree____schema0"');
    expect(JSON.stringify(flatBranch!.properties.payload)).toContain('"$ref":"#/$defs/test_flat__payload"');
    // No ref is left pointing at a definition that does not exist.
    for (const [, target] of JSON.stringify(schema).matchAll(/"\$ref":"#\/\$defs\/([^"]+)"/g)) {
      expect(defs).toHaveProperty([target!]);
    }
  });
});

describe('buildConductorPrompt', () => {
  it('lists each skill with its description and payload fields, and the rules', () => {
    const prompt = buildConductorPrompt([summarize, fetchPage] as Skill[]);
    expect(prompt).toContain(
      '- test_summarize: Summarizes a file.\n  payload: file (string, required); words (integer, default 100)',
    );
    expect(prompt).toContain('- test_fetch: Fetches a URL.\n  payload: url (string, required)');
    expect(prompt).toMatch(/Pick the one skill/);
    expect(prompt).toMatch(/"low" when you are unsure/);
  });
});
