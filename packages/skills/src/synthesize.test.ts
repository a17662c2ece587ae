import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ModelCallError } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill, SkillCancelledError, SkillModelsUnavailableError } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { answer, observed, scriptedRouter } from './internal/model-test-helpers';
import { SUMMARIZE_SYSTEM_PROMPT } from './summarize';
import { SYNTHESIZE_SYSTEM_PROMPT, synthesize } from './synthesize';

let home: TempHome;
let summaries: string;

const synthesesOf = (temp: TempHome) => {
  const folder = path.join(temp.knowledge, 'syntheses');
  return existsSync(folder) ? readdirSync(folder) : [];
};

const A = '- Workers claim tasks atomically.\n- A dead worker loses its lease.';
const B = '- The supervisor restarts dead workers.';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-24T10:30:00Z'));
  home = createTempHome();
  summaries = path.join(home.knowledge, 'summaries');
  mkdirSync(summaries, { recursive: true });
  writeFileSync(path.join(summaries, 'queue_summary_20261120_archivist.md'), `${A}\n`);
  writeFileSync(path.join(summaries, 'supervisor_summary_20261121_archivist.md'), `${B}\n`);
});

afterEach(() => {
  vi.useRealTimers();
  home.cleanup();
});

describe('synthesize', () => {
  it('combines listed sources into one cited synthesis with a Sources list', async () => {
    const models = scriptedRouter([answer('Tasks survive worker deaths [1][2].', { input: 80, output: 9 })]);
    const { result } = await runSkill(
      synthesize,
      {
        sources: [
          'summaries/queue_summary_20261120_archivist.md',
          'summaries/supervisor_summary_20261121_archivist.md',
        ],
        question: 'What happens when a worker dies?',
        max_words: 120,
      },
      { models: models.router, home: home.home, task: { agent: 'archivist' } },
    );
    expect(models.requests()).toEqual([
      {
        model: 'tiny',
        system: SYNTHESIZE_SYSTEM_PROMPT,
        prompt:
          'The question to answer: What happens when a worker dies?\n\n' +
          'Write a synthesis in at most 120 words of the numbered sources below.\n\n' +
          `<source number="1" name="knowledge/summaries/queue_summary_20261120_archivist.md">\n${A}\n</source>\n\n` +
          `<source number="2" name="knowledge/summaries/supervisor_summary_20261121_archivist.md">\n${B}\n</source>`,
        maxOutputTokens: 256,
        temperature: 0.2,
      },
    ]);
    const file = path.join(
      home.knowledge,
      'syntheses',
      'what-happens-when-a-worker-dies_synthesis_20261124_archivist.md',
    );
    expect(result).toEqual({
      synthesis: 'Tasks survive worker deaths [1][2].',
      file,
      sources: [
        path.join(summaries, 'queue_summary_20261120_archivist.md'),
        path.join(summaries, 'supervisor_summary_20261121_archivist.md'),
      ],
      model: 'tiny',
      provider: 'local',
      tokens: { input: 80, output: 9 },
    });
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '# Synthesis: What happens when a worker dies?',
        '',
        '- Question: What happens when a worker dies?',
        '- Date: 2026-11-24',
        '- Agent: archivist',
        '- Model: local/tiny',
        '',
        'Tasks survive worker deaths [1][2].',
        '',
        '## Sources',
        '',
        '1. `knowledge/summaries/queue_summary_20261120_archivist.md`',
        '2. `knowledge/summaries/supervisor_summary_20261121_archivist.md`',
        '',
      ].join('\n'),
    );
  });

  it('takes the text files of a folder, sorted, and names the file after the folder', async () => {
    writeFileSync(path.join(summaries, 'logo.png'), Buffer.from([0x89, 0x50]));
    const models = scriptedRouter([answer('Both sources agree [1][2].')]);
    const { result } = await runSkill(
      synthesize,
      { folder: 'summaries' },
      { models: models.router, home: home.home },
    );
    expect(models.requests()[0]?.prompt).toBe(
      'Write a synthesis in at most 500 words of the numbered sources below.\n\n' +
        `<source number="1" name="knowledge/summaries/queue_summary_20261120_archivist.md">\n${A}\n</source>\n\n` +
        `<source number="2" name="knowledge/summaries/supervisor_summary_20261121_archivist.md">\n${B}\n</source>`,
    );
    expect(result.file).toBe(path.join(home.knowledge, 'syntheses', 'summaries_synthesis_20261124_local.md'));
    expect(result.sources.map((source) => path.basename(source))).toEqual([
      'queue_summary_20261120_archivist.md',
      'supervisor_summary_20261121_archivist.md',
    ]);
  });

  it('names a synthesis of listed sources after the first, without its _summary_<date>_<agent> tail', async () => {
    const models = scriptedRouter([answer('ok [1]')]);
    const { result } = await runSkill(
      synthesize,
      { sources: ['summaries/supervisor_summary_20261121_archivist.md'] },
      { models: models.router, home: home.home },
    );
    expect(path.basename(result.file)).toBe('supervisor_synthesis_20261124_local.md');
    expect(readFileSync(result.file, 'utf8')).toContain('# Synthesis: supervisor\n');
  });

  it('condenses a long source first and combines in rounds when the sources do not fit together', async () => {
    const long = path.join(summaries, 'long.md');
    const CONDENSED = `- long condensed ${'z'.repeat(200)}`;
    const paragraphs = ['aaa', 'bbb'].map((word) => `${word} `.repeat(100).trim());
    writeFileSync(long, paragraphs.join('\n\n'));
    const models = scriptedRouter([
      answer('- long part 1'),
      answer('- long part 2'),
      answer(CONDENSED),
      answer('- notes on 1 and 2'),
      answer('- notes on 3'),
      answer('Final synthesis [1][2][3].'),
    ]);
    const filler = '- more detail '.repeat(10).trim();
    writeFileSync(path.join(summaries, 'queue_summary_20261120_archivist.md'), `${A}\n${filler}\n`);
    writeFileSync(path.join(summaries, 'supervisor_summary_20261121_archivist.md'), `${B}\n${filler}\n`);
    const { result } = await runSkill(
      synthesize,
      {
        sources: [
          'summaries/queue_summary_20261120_archivist.md',
          'summaries/supervisor_summary_20261121_archivist.md',
          'summaries/long.md',
        ],
        chunk_chars: 700,
        max_words: 60,
      },
      { models: models.router, home: home.home },
    );
    const requests = models.requests();
    expect(requests).toHaveLength(6);
    // The long source is map-reduced with the summarize prompts: two chunks, then their combination.
    expect(requests.slice(0, 3).map((request) => request.system)).toEqual([
      SUMMARIZE_SYSTEM_PROMPT,
      SUMMARIZE_SYSTEM_PROMPT,
      SUMMARIZE_SYSTEM_PROMPT,
    ]);
    expect(requests[0]?.prompt).toContain('This is part 1 of 2 of the document "long.md"');
    expect(requests[2]?.prompt).toContain(
      'Combine them into one summary of the whole document in at most 60 words',
    );
    // Then notes over the sources that fit together, then the synthesis of the notes.
    expect(requests[3]?.prompt).toContain('Take notes for a later synthesis from the numbered sources below');
    expect(requests[3]?.prompt).toContain('<source number="1"');
    expect(requests[3]?.prompt).toContain('<source number="2"');
    expect(requests[4]?.prompt).toContain(
      `<source number="3" name="knowledge/summaries/long.md">\n${CONDENSED}\n</source>`,
    );
    expect(requests[5]?.prompt).toBe(
      'Write a synthesis in at most 60 words of the notes below, taken from the numbered sources.\n\n' +
        '<notes>\n- notes on 1 and 2\n</notes>\n\n<notes>\n- notes on 3\n</notes>',
    );
    expect(requests.slice(3).every((request) => request.system === SYNTHESIZE_SYSTEM_PROMPT)).toBe(true);
    expect(result.synthesis).toBe('Final synthesis [1][2][3].');
    expect(readFileSync(result.file, 'utf8')).toContain('3. `knowledge/summaries/long.md`\n');
  });

  it('refuses both or neither of sources and folder, and more than 50 sources', async () => {
    const models = scriptedRouter([answer('never')]);
    const options = { models: models.router, home: home.home };
    await expect(runSkill(synthesize, { sources: ['a.md'], folder: 'x' }, options)).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
      message: expect.stringContaining(
        'give exactly one of "sources" (a list of files) or "folder", not both',
      ),
    });
    await expect(runSkill(synthesize, { question: 'why?' }, options)).rejects.toMatchObject({
      message: expect.stringContaining('give "sources" (a list of files) or "folder"'),
    });
    await expect(runSkill(synthesize, { sources: [] }, options)).rejects.toMatchObject({
      message: expect.stringContaining('sources:'),
    });
    const many = Array.from({ length: 51 }, (_, index) => `s${index}.md`);
    await expect(runSkill(synthesize, { sources: many }, options)).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
      message: expect.stringContaining('sources:'),
    });
    const crowded = path.join(home.knowledge, 'crowded');
    mkdirSync(crowded);
    for (let index = 0; index < 51; index += 1) writeFileSync(path.join(crowded, `n${index}.md`), 'note');
    await expect(runSkill(synthesize, { folder: 'crowded' }, options)).rejects.toMatchObject({
      code: 'SKILL_INPUT_TOO_MANY',
      limit: 50,
    });
    mkdirSync(path.join(home.knowledge, 'empty'));
    await expect(runSkill(synthesize, { folder: 'empty' }, options)).rejects.toMatchObject({
      code: 'SKILL_INPUT_EMPTY',
    });
    expect(models.requests()).toEqual([]);
  });

  it('refuses missing, out-of-bounds, oversized and empty sources before any call', async () => {
    const models = scriptedRouter([answer('never')]);
    const options = { models: models.router, home: home.home };
    await expect(
      runSkill(
        synthesize,
        { sources: ['summaries/queue_summary_20261120_archivist.md', 'missing.md'] },
        options,
      ),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    const outside = `${home.home}-outside.md`;
    writeFileSync(outside, 'not yours');
    try {
      await expect(runSkill(synthesize, { sources: [outside] }, options)).rejects.toMatchObject({
        code: 'FS_ACCESS_DENIED',
      });
      await expect(runSkill(synthesize, { folder: '../..' }, options)).rejects.toMatchObject({
        code: 'FS_ACCESS_DENIED',
      });
    } finally {
      rmSync(outside, { force: true });
    }
    await expect(
      runSkill(
        synthesize,
        { sources: ['summaries/queue_summary_20261120_archivist.md'], max_bytes: 10 },
        options,
      ),
    ).rejects.toMatchObject({ code: 'SKILL_INPUT_TOO_LARGE', limit: 10 });
    writeFileSync(path.join(summaries, 'blank.md'), '\n');
    await expect(runSkill(synthesize, { sources: ['summaries/blank.md'] }, options)).rejects.toMatchObject({
      code: 'SKILL_INPUT_EMPTY',
    });
    expect(models.requests()).toEqual([]);
    expect(synthesesOf(home)).toEqual([]);
  });

  it('rejects with the provider error, writing nothing, when the model call fails', async () => {
    const failure = new ModelCallError({
      providerId: 'local',
      modelId: 'tiny',
      statusCode: 401,
      isRetryable: false,
    });
    const models = scriptedRouter([failure]);
    await expect(
      runSkill(synthesize, { folder: 'summaries' }, { models: models.router, home: home.home }),
    ).rejects.toBe(failure);
    expect(synthesesOf(home)).toEqual([]);
  });

  it('stops between calls when the task is cancelled, writing nothing', async () => {
    const controller = new AbortController();
    const filler = '- more detail '.repeat(40).trim();
    writeFileSync(path.join(summaries, 'queue_summary_20261120_archivist.md'), `${A}\n${filler}\n`);
    writeFileSync(path.join(summaries, 'supervisor_summary_20261121_archivist.md'), `${B}\n${filler}\n`);
    const models = scriptedRouter([
      () => {
        controller.abort('stop');
        return answer('- notes on 1');
      },
      answer('never'),
    ]);
    const { skill, settled } = observed(synthesize);
    await expect(
      runSkill(
        skill,
        { folder: 'summaries', chunk_chars: 700 },
        { models: models.router, home: home.home, signal: controller.signal },
      ),
    ).rejects.toSatisfy(SkillCancelledError.isInstance);
    const outcome = (await settled()) as { status: string; reason: unknown };
    expect(outcome.status).toBe('rejected');
    expect(models.requests()).toHaveLength(1);
    expect(synthesesOf(home)).toEqual([]);
  });

  it('fails with SkillModelsUnavailableError when the host gives no model router', async () => {
    await expect(runSkill(synthesize, { folder: 'summaries' }, { home: home.home })).rejects.toSatisfy(
      SkillModelsUnavailableError.isInstance,
    );
  });
});
