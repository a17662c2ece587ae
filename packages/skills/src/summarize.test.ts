import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ModelCallError } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill, SkillCancelledError, SkillModelsUnavailableError } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ModelOutputError } from './errors/model-output-error';
import { SkillInputError } from './errors/skill-input-error';
import { answer, observed, scriptedRouter } from './internal/model-test-helpers';
import { SUMMARIZE_SYSTEM_PROMPT, summarize } from './summarize';

let home: TempHome;
let outside: string;

const summariesOf = (temp: TempHome) => {
  const folder = path.join(temp.knowledge, 'summaries');
  return existsSync(folder) ? readdirSync(folder) : [];
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-24T10:30:00Z'));
  home = createTempHome();
  outside = `${home.home}-outside`;
  mkdirSync(outside, { recursive: true });
});

afterEach(() => {
  vi.useRealTimers();
  home.cleanup();
  rmSync(outside, { recursive: true, force: true });
});

const NOTES = 'The fleet runs workers. Each worker claims tasks from the queue and runs one skill per task.';

describe('summarize', () => {
  it('summarizes a short text in one call and writes the summary file', async () => {
    const models = scriptedRouter([answer('Workers claim tasks and run skills.', { input: 40, output: 7 })]);
    const { result } = await runSkill(
      summarize,
      { text: NOTES, max_words: 50 },
      { models: models.router, home: home.home, task: { agent: 'archivist' } },
    );

    expect(models.requests()).toEqual([
      {
        model: 'tiny',
        system: SUMMARIZE_SYSTEM_PROMPT,
        prompt:
          'Summarize the document below in at most 50 words. Write it as plain prose paragraphs, without headings or lists.\n\n' +
          `<document>\n${NOTES}\n</document>`,
        maxOutputTokens: 256,
        temperature: 0.2,
      },
    ]);
    const file = path.join(
      home.knowledge,
      'summaries',
      'the-fleet-runs-workers-each-worker-claims-tasks_summary_20261124_archivist.md',
    );
    expect(result).toEqual({
      summary: 'Workers claim tasks and run skills.',
      file,
      chunks: 1,
      model: 'tiny',
      provider: 'local',
      tokens: { input: 40, output: 7 },
    });
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '# Summary: The fleet runs workers. Each worker claims tasks',
        '',
        `- Source: inline text (${NOTES.length} characters)`,
        '- Date: 2026-11-24',
        '- Agent: archivist',
        '- Model: local/tiny',
        '- Chunks: 1',
        '',
        'Workers claim tasks and run skills.',
        '',
      ].join('\n'),
    );
  });

  it('reads a file through ctx.fs, passes provider and model on, and writes bullets', async () => {
    const source = path.join(outside, 'Release Notes.v2.md');
    writeFileSync(source, `# Release\n\n${NOTES}\n`);
    const models = scriptedRouter([answer('- Workers run skills.')]);
    const { result } = await runSkill(
      summarize,
      { path: source, style: 'bullets', max_words: 300, provider: 'local', model: 'bigger' },
      { models: models.router, home: home.home, readRoots: [outside], task: { agent: 'archivist_2' } },
    );
    expect(models.requests()).toEqual([
      {
        model: 'bigger',
        system: SUMMARIZE_SYSTEM_PROMPT,
        prompt:
          'Summarize the document "Release Notes.v2.md" below in at most 300 words. Write it as a markdown bullet list, one point per line, each starting with "- ".\n\n' +
          `<document>\n# Release\n\n${NOTES}\n</document>`,
        maxOutputTokens: 600,
        temperature: 0.2,
      },
    ]);
    expect(result.file).toBe(
      path.join(home.knowledge, 'summaries', 'release-notes-v2_summary_20261124_archivist_2.md'),
    );
    expect(readFileSync(result.file, 'utf8')).toBe(
      [
        '# Summary: Release Notes.v2.md',
        '',
        `- Source: \`${source}\``,
        '- Date: 2026-11-24',
        '- Agent: archivist_2',
        '- Model: local/tiny',
        '- Chunks: 1',
        '',
        '- Workers run skills.',
        '',
      ].join('\n'),
    );
  });

  it('map-reduces a long document: one call per chunk, then one over the summaries', async () => {
    const paragraphs = ['alpha', 'beta', 'gamma'].map((word) => `${word} `.repeat(120).trim());
    const models = scriptedRouter([
      answer('- alpha notes', { input: 100, output: 3 }),
      answer('- beta notes', { input: 100, output: 3 }),
      answer('- gamma notes', { input: 100, output: 3 }),
      answer('Alpha, beta and gamma.', { input: 30, output: 5 }),
    ]);
    const { result } = await runSkill(
      summarize,
      { text: paragraphs.join('\n\n'), chunk_chars: 1000, max_words: 20 },
      { models: models.router, home: home.home },
    );
    const prompts = models.requests().map((request) => request.prompt);
    expect(prompts).toEqual([
      ...paragraphs.map(
        (paragraph, index) =>
          `This is part ${index + 1} of 3 of the document. Summarize this part in at most 20 words as a markdown bullet list, keeping names, numbers and conclusions.\n\n` +
          `<part number="${index + 1}" of="3">\n${paragraph}\n</part>`,
      ),
      'These are summaries of consecutive parts of the document, in order. Combine them into one summary of the whole document in at most 20 words. Write it as plain prose paragraphs, without headings or lists.\n\n' +
        '<summaries>\n- alpha notes\n\n- beta notes\n\n- gamma notes\n</summaries>',
    ]);
    expect(models.requests().every((request) => request.system === SUMMARIZE_SYSTEM_PROMPT)).toBe(true);
    expect(result).toMatchObject({
      summary: 'Alpha, beta and gamma.',
      chunks: 3,
      tokens: { input: 330, output: 14 },
    });
    expect(result.file).toBe(
      path.join(
        home.knowledge,
        'summaries',
        'alpha-alpha-alpha-alpha-alpha-alpha-alpha-alpha_summary_20261124_local.md',
      ),
    );
    expect(readFileSync(result.file, 'utf8')).toContain('- Chunks: 3\n\nAlpha, beta and gamma.\n');
  });

  it('reduces in several rounds when the chunk summaries do not fit in one call', async () => {
    const text = ['aaa', 'bbb', 'ccc', 'ddd'].map((word) => `${word} `.repeat(100).trim()).join('\n\n');
    const note = (name: string) => `- ${name} ${'x'.repeat(196)}`;
    const models = scriptedRouter([
      answer(note('n1')),
      answer(note('n2')),
      answer(note('n3')),
      answer(note('n4')),
      answer(note('m1')),
      answer(note('m2')),
      answer('All four parts.'),
    ]);
    const { result } = await runSkill(
      summarize,
      { text, chunk_chars: 500, max_words: 30 },
      { models: models.router, home: home.home },
    );
    const prompts = models.requests().map((request) => request.prompt ?? '');
    expect(prompts).toHaveLength(7);
    expect(result).toMatchObject({ summary: 'All four parts.', chunks: 4 });
    // Round 1 merges the four notes two by two, round 2 combines the two merges into the final summary.
    expect(prompts[4]).toContain(`Merge them into one summary of at most 30 words`);
    expect(prompts[4]).toContain(`<summaries>\n${note('n1')}\n\n${note('n2')}\n</summaries>`);
    expect(prompts[5]).toContain(`<summaries>\n${note('n3')}\n\n${note('n4')}\n</summaries>`);
    expect(prompts[6]).toContain('Combine them into one summary of the whole document');
    expect(prompts[6]).toContain(`<summaries>\n${note('m1')}\n\n${note('m2')}\n</summaries>`);
  });

  it('fails with ModelOutputError, writing nothing, when chunk summaries never get shorter', async () => {
    const text = ['aaa', 'bbb', 'ccc'].map((word) => `${word} `.repeat(100).trim()).join('\n\n');
    const models = scriptedRouter([answer(`- ${'y'.repeat(400)}`)]);
    const error = await runSkill(
      summarize,
      { text, chunk_chars: 500 },
      { models: models.router, home: home.home },
    ).catch((caught: unknown) => caught);
    expect(ModelOutputError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SKILL_MODEL_OUTPUT_INVALID' });
    expect((error as Error).message).toContain('too long to combine within 500 characters');
    expect(summariesOf(home)).toEqual([]);
  });

  it('refuses a payload with both text and path, or neither, or empty text, before any call', async () => {
    const models = scriptedRouter([answer('never')]);
    const options = { models: models.router, home: home.home };
    await expect(runSkill(summarize, { text: 'a', path: '/x.md' }, options)).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
      message: expect.stringContaining(
        '(payload): give exactly one of "text" (the document) or "path" (a file to read), not both',
      ),
    });
    await expect(runSkill(summarize, {}, options)).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
      message: expect.stringContaining(
        'give "text" (the document) or "path" (a file to read); neither was given',
      ),
    });
    await expect(runSkill(summarize, { text: '  \n' }, options)).rejects.toMatchObject({
      message: expect.stringContaining('text: is empty: there is nothing to summarize'),
    });
    await expect(runSkill(summarize, { text: 'a', style: 'haiku' } as never, options)).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
      message: expect.stringContaining('style'),
    });
    expect(models.requests()).toEqual([]);
  });

  it('refuses missing, out-of-bounds, oversized, empty, binary and directory inputs', async () => {
    const models = scriptedRouter([answer('never')]);
    const options = { models: models.router, home: home.home, readRoots: [outside] };
    await expect(
      runSkill(summarize, { path: path.join(outside, 'missing.md') }, options),
    ).rejects.toMatchObject({ code: 'ENOENT' });

    const secret = `${home.home}-elsewhere.md`;
    writeFileSync(secret, 'not yours');
    try {
      await expect(
        runSkill(summarize, { path: secret }, { models: models.router, home: home.home }),
      ).rejects.toMatchObject({ code: 'FS_ACCESS_DENIED', access: 'read' });
    } finally {
      rmSync(secret, { force: true });
    }

    const big = path.join(outside, 'big.md');
    writeFileSync(big, 'z'.repeat(2001));
    const tooLarge = await runSkill(summarize, { path: big, max_bytes: 2000 }, options).catch(
      (caught: unknown) => caught,
    );
    expect(SkillInputError.isInstance(tooLarge)).toBe(true);
    expect(tooLarge).toMatchObject({ code: 'SKILL_INPUT_TOO_LARGE', size: 2001, limit: 2000, path: big });
    expect((tooLarge as Error).message).toContain('is 2001 bytes, over the limit of 2000 bytes');

    await expect(
      runSkill(summarize, { text: 'é'.repeat(600), max_bytes: 1000 }, options),
    ).rejects.toMatchObject({
      code: 'SKILL_INPUT_TOO_LARGE',
      size: 1200,
    });

    const empty = path.join(outside, 'empty.md');
    writeFileSync(empty, ' \n\n');
    await expect(runSkill(summarize, { path: empty }, options)).rejects.toMatchObject({
      code: 'SKILL_INPUT_EMPTY',
      path: empty,
    });

    const binary = path.join(outside, 'data.txt');
    writeFileSync(binary, Buffer.from([0x41, 0, 0x42]));
    await expect(runSkill(summarize, { path: binary }, options)).rejects.toMatchObject({
      code: 'SKILL_INPUT_BINARY',
    });
    await expect(runSkill(summarize, { path: outside }, options)).rejects.toMatchObject({
      code: 'SKILL_INPUT_NOT_A_FILE',
    });

    expect(models.requests()).toEqual([]);
    expect(summariesOf(home)).toEqual([]);
  });

  it('rejects with the provider error, writing nothing, when the model call fails', async () => {
    const failure = new ModelCallError({
      providerId: 'local',
      modelId: 'tiny',
      statusCode: 400,
      isRetryable: false,
    });
    const models = scriptedRouter([failure]);
    await expect(
      runSkill(summarize, { text: NOTES }, { models: models.router, home: home.home }),
    ).rejects.toBe(failure);
    expect(models.requests()).toHaveLength(1);
    expect(summariesOf(home)).toEqual([]);
  });

  it('rejects an empty answer with ModelOutputError, writing nothing', async () => {
    const models = scriptedRouter([answer('   ')]);
    await expect(
      runSkill(summarize, { text: NOTES }, { models: models.router, home: home.home }),
    ).rejects.toMatchObject({
      code: 'SKILL_MODEL_OUTPUT_INVALID',
      message: 'summarize: local/tiny returned an empty answer (finish reason: stop)',
    });
    expect(summariesOf(home)).toEqual([]);
  });

  it('stops between chunks when the task is cancelled, writing nothing', async () => {
    const controller = new AbortController();
    const models = scriptedRouter([
      () => {
        controller.abort('user cancelled');
        return answer('- first part');
      },
      answer('- never'),
    ]);
    const text = ['aaa', 'bbb', 'ccc'].map((word) => `${word} `.repeat(100).trim()).join('\n\n');
    const { skill, settled } = observed(summarize);
    await expect(
      runSkill(
        skill,
        { text, chunk_chars: 500 },
        { models: models.router, home: home.home, signal: controller.signal },
      ),
    ).rejects.toSatisfy(SkillCancelledError.isInstance);
    // The skill itself stops at its next signal check, before the second chunk's call.
    const outcome = (await settled()) as { status: string; reason: unknown };
    expect(outcome.status).toBe('rejected');
    expect(SkillCancelledError.isInstance(outcome.reason)).toBe(true);
    expect(models.requests()).toHaveLength(1);
    expect(summariesOf(home)).toEqual([]);
  });

  it('fails with SkillModelsUnavailableError when the host gives no model router', async () => {
    await expect(runSkill(summarize, { text: NOTES }, { home: home.home })).rejects.toSatisfy(
      SkillModelsUnavailableError.isInstance,
    );
    expect(summariesOf(home)).toEqual([]);
  });
});
