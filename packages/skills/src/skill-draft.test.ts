import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseFleetConfig } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SkillDraftError } from './errors/skill-draft-error';
import { answer, scriptedRouter } from './internal/model-test-helpers';
import { SKILL_DRAFT_SYSTEM_PROMPT, skillDraft } from './skill-draft';

let home: TempHome;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-24T10:30:00Z'));
  home = createTempHome();
});

afterEach(() => {
  vi.useRealTimers();
  home.cleanup();
});

const SOURCE =
  "import { defineSkill, z } from '@biged/skill-sdk';\nexport const wordCount = defineSkill({ name: 'word_count', description: 'Counts words.', payload: z.strictObject({ text: z.string() }), run: ({ text }) => ({ words: text.split(/\\s+/).length }) });";
const TEST =
  "import { runSkill } from '@biged/skill-sdk';\nimport { it } from 'vitest';\nit('counts', async () => {});";
const drafts = () => {
  const folder = path.join(home.knowledge, 'code_drafts');
  return existsSync(folder) ? readdirSync(folder).sort() : [];
};

describe('skill_draft', () => {
  it('drafts the source and the test into knowledge/code_drafts/', async () => {
    const draft = { source: SOURCE, test: TEST, notes: 'Splits on white space.' };
    const models = scriptedRouter([answer(JSON.stringify(draft), { input: 80, output: 200 }, draft)]);
    const { result } = await runSkill(
      skillDraft,
      { name: 'word_count', description: 'Count the words of a text.', roles: ['archivist'] },
      { models: models.router, home: home.home, task: { agent: 'coder_1' } },
    );
    const [request] = models.requests();
    expect(request?.system).toBe(SKILL_DRAFT_SYSTEM_PROMPT);
    expect(request?.prompt).toContain(
      'Draft the skill "word_count" (roles: archivist; requiresNetwork: false)',
    );
    expect(drafts()).toEqual([
      'word_count_draft_20261124_coder_1.test.ts',
      'word_count_draft_20261124_coder_1.ts',
    ]);
    expect(result).toMatchObject({
      name: 'word_count',
      file: path.join(home.knowledge, 'code_drafts', 'word_count_draft_20261124_coder_1.ts'),
      notes: 'Splits on white space.',
      tokens: { input: 80, output: 200 },
    });
    const source = readFileSync(result.file, 'utf8');
    expect(
      source.startsWith(
        '// DRAFT source for skill "word_count", written by coder_1 with local/tiny on 2026-11-24.',
      ),
    ).toBe(true);
    expect(source).toContain(SOURCE);
    expect(readFileSync(result.testFile, 'utf8')).toContain(TEST);
  });

  it.each([
    '../escape',
    'a/b',
    '/etc/passwd',
    'Upper',
    '',
    'x'.repeat(65),
    'ok.ts',
  ])('refuses the name %j (PAYLOAD_SCHEMA_MISMATCH) and writes nothing', async (name) => {
    const models = scriptedRouter([]);
    await expect(
      runSkill(skillDraft, { name, description: 'd' }, { models: models.router, home: home.home }),
    ).rejects.toMatchObject({ code: 'PAYLOAD_SCHEMA_MISMATCH' });
    expect(models.requests()).toHaveLength(0);
    expect(drafts()).toEqual([]);
  });

  it('refuses to draft when the drafts folder is inside a skills folder the fleet loads', async () => {
    const models = scriptedRouter([]);
    const { config } = parseFleetConfig({ skills: { dirs: ['knowledge'] } });
    const error = await runSkill(
      skillDraft,
      { name: 'word_count', description: 'd' },
      { models: models.router, home: home.home, config },
    ).catch((caught: unknown) => caught);
    expect(SkillDraftError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SKILL_DRAFT_REFUSED' });
    expect(models.requests()).toHaveLength(0);
    expect(drafts()).toEqual([]);
  });

  it('refuses a source that does not define the asked skill, writing nothing', async () => {
    const draft = { source: 'export const x = 1;', test: TEST };
    const models = scriptedRouter([answer('', {}, draft)]);
    await expect(
      runSkill(
        skillDraft,
        { name: 'word_count', description: 'd' },
        { models: models.router, home: home.home },
      ),
    ).rejects.toMatchObject({
      code: 'SKILL_MODEL_OUTPUT_INVALID',
      issues: ['source: does not call defineSkill(...)', 'source: does not name the skill "word_count"'],
    });
    expect(drafts()).toEqual([]);
  });
});
