import path from 'node:path';
import { defineSkill, SKILL_NAME_PATTERN, z } from '@biged/skill-sdk';
import { ModelOutputError } from './errors/model-output-error';
import { SkillDraftError } from './errors/skill-draft-error';
import {
  agentStem,
  createModelAsker,
  dateStamp,
  isoDate,
  modelChoice,
  modelChoiceFields,
  requireModels,
  type TokenTotals,
} from './internal/model-skill';
import { askStructured } from './internal/structured-answer';

/** Where drafts go, under `<home>/knowledge`. Never a folder the fleet loads skills from. */
export const SKILL_DRAFT_FOLDER = 'code_drafts';

/** Largest source (and test) file a draft may hold: 200 000 characters. */
export const SKILL_DRAFT_MAX_CHARS = 200_000;

/** The system prompt of the drafting call. */
export const SKILL_DRAFT_SYSTEM_PROMPT =
  'You write BigEd CC skills in TypeScript against @biged/skill-sdk only. A skill is ' +
  '`export const x = defineSkill({ name, description, payload: z.strictObject({...}), roles, run(payload, ctx) {...} })` ' +
  "with `import { defineSkill, z } from '@biged/skill-sdk'`. In run, use ctx.fs for files, ctx.models.call for " +
  'models, ctx.queue.spawn for child tasks, ctx.log for logs and check ctx.signal between steps; return a ' +
  'JSON-serialisable result. The test uses vitest and `runSkill(skill, payload, options)` from ' +
  "'@biged/skill-sdk'. Answer with JSON that follows the given schema: the skill's source, its test, and notes.";

/** What `skill_draft` returns. */
export interface SkillDraftResult {
  /** The skill name drafted. */
  name: string;
  /** The source draft: `<home>/knowledge/code_drafts/<name>_draft_<YYYYMMDD>_<agent>.ts`. */
  file: string;
  /** The test draft beside it (`.test.ts`). */
  testFile: string;
  /** The model's notes for the reviewer. */
  notes: string;
  model: string;
  provider: string;
  tokens: TokenTotals;
}

/** The zod schema of a drafting answer. */
export const skillDraftSchema = z.strictObject({
  source: z.string().trim().min(1).max(SKILL_DRAFT_MAX_CHARS),
  test: z.string().trim().min(1).max(SKILL_DRAFT_MAX_CHARS),
  notes: z.string().trim().max(4000).optional(),
});

const payloadSchema = z.strictObject({
  /** The new skill's name: `/^[a-z][a-z0-9_]*$/`, at most 64 characters (so it can never name a path). */
  name: z
    .string()
    .max(64)
    .regex(SKILL_NAME_PATTERN, 'must be a skill name: lower case letters, digits and "_"'),
  /** What the skill should do, 1..4000 characters. */
  description: z.string().trim().min(1).max(4000),
  /** Roles it suits. Default none. */
  roles: z
    .array(
      z
        .string()
        .regex(/^[a-z][a-z0-9_]*$/)
        .max(64),
    )
    .max(20)
    .default([]),
  /** True when it needs the internet. Default false. */
  requires_network: z.boolean().default(false),
  ...modelChoiceFields,
});

const inside = (parent: string, child: string) => {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
};

/**
 * `skill_draft`: drafts a new skill's TypeScript source and its vitest test from a description with a model,
 * into `knowledge/code_drafts/<name>_draft_<YYYYMMDD>_<agent>.ts` and `.test.ts`. Drafts are never
 * deployed: the skill refuses (`SKILL_DRAFT_REFUSED`) when the drafts folder lies inside one of the fleet's
 * `[skills] dirs`, and names are plain skill names, so a draft cannot land anywhere else. A source that
 * does not call `defineSkill` with the asked name is a `ModelOutputError`.
 */
export const skillDraft = defineSkill({
  name: 'skill_draft',
  description:
    'Drafts a new skill (payload name, description) and its test with a model into knowledge/code_drafts/<name>_draft_<date>_<agent>.ts (+ .test.ts); never deploys it.',
  payload: payloadSchema,
  roles: ['coder'],
  async run(payload, ctx): Promise<SkillDraftResult> {
    requireModels(ctx, 'skill_draft');
    const date = new Date();
    const folder = path.join(ctx.paths.knowledge, SKILL_DRAFT_FOLDER);
    const base = `${payload.name}_draft_${dateStamp(date)}_${agentStem(ctx.task.agent)}`;
    const file = path.join(folder, `${base}.ts`);
    const testFile = path.join(folder, `${base}.test.ts`);
    if (!inside(folder, file) || !inside(folder, testFile)) {
      throw new SkillDraftError({ path: file, message: `skill_draft: ${file} would leave ${folder}` });
    }
    for (const dir of ctx.config.skills.dirs) {
      const loaded = path.resolve(ctx.paths.home, dir);
      if (inside(loaded, folder) || inside(loaded, file)) {
        throw new SkillDraftError({
          path: file,
          message: `skill_draft: the drafts folder ${folder} lies inside the skills folder ${loaded}, which the fleet loads; drafts are never deployed`,
          hint: 'remove that folder from [skills] dirs in fleet.toml, or load skills from a folder outside knowledge/',
        });
      }
    }

    const { tally, ask } = createModelAsker(ctx, 'skill_draft');
    ctx.signal.throwIfAborted();
    const { value, result } = await askStructured({
      skill: 'skill_draft',
      ask,
      schema: skillDraftSchema,
      request: {
        system: SKILL_DRAFT_SYSTEM_PROMPT,
        prompt:
          `Draft the skill "${payload.name}" (roles: ${payload.roles.join(', ') || 'none'}; requiresNetwork: ` +
          `${payload.requires_network}) and its test.\n\n<description>\n${payload.description}\n</description>`,
        maxOutputTokens: 8192,
        temperature: 0.2,
        ...modelChoice(payload),
      },
    });
    const issues: string[] = [];
    if (!/\bdefineSkill\s*\(/.test(value.source)) issues.push('source: does not call defineSkill(...)');
    if (!value.source.includes(`'${payload.name}'`) && !value.source.includes(`"${payload.name}"`)) {
      issues.push(`source: does not name the skill "${payload.name}"`);
    }
    if (issues.length > 0) {
      throw new ModelOutputError({
        skill: 'skill_draft',
        provider: result.provider,
        model: result.model,
        issues,
      });
    }
    const header = (what: string) =>
      `// DRAFT ${what} for skill "${payload.name}", written by ${ctx.task.agent} with ${result.provider}/${result.model} on ${isoDate(date)}.\n` +
      '// Not deployed: review it, then copy it into a skills folder yourself.\n\n';
    ctx.signal.throwIfAborted();
    await ctx.fs.writeFile(file, `${header('source')}${value.source.trim()}\n`);
    await ctx.fs.writeFile(testFile, `${header('test')}${value.test.trim()}\n`);
    ctx.log.info('skill_draft: draft written', { file, testFile });
    return {
      name: payload.name,
      file,
      testFile,
      notes: value.notes ?? '',
      model: result.model,
      provider: result.provider,
      tokens: { ...tally.tokens },
    };
  },
});
