import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ModelCallError } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill, SkillCancelledError, SkillModelsUnavailableError } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { codeReview, codeReviewSystemPrompt, numberLines } from './code-review';
import { ModelOutputError } from './errors/model-output-error';
import { answer, observed, scriptedRouter } from './internal/model-test-helpers';

let home: TempHome;
let source: string;
let file: string;

const CODE = [
  "import { readFileSync } from 'node:fs';",
  '',
  'export function load(name: string) {',
  '  return JSON.parse(readFileSync(name, "utf8"));',
  '}',
  '',
].join('\n');

const reviewsOf = (temp: TempHome) => {
  const folder = path.join(temp.knowledge, 'code_reviews');
  return existsSync(folder) ? readdirSync(folder) : [];
};

// The JSON schema the model is given for a 5-line file, written out so a change to it is seen here.
const SCHEMA_FOR_5_LINES = {
  type: 'object',
  properties: {
    summary: { type: 'string', minLength: 1, maxLength: 4000 },
    findings: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        properties: {
          severity: { type: 'string', enum: ['info', 'low', 'medium', 'high'] },
          line: { type: 'integer', minimum: 1, maximum: 5 },
          title: { type: 'string', minLength: 1, maxLength: 200 },
          detail: { type: 'string', minLength: 1, maxLength: 4000 },
          suggestion: { type: 'string', minLength: 1, maxLength: 4000 },
        },
        required: ['severity', 'title', 'detail'],
        additionalProperties: false,
      },
    },
    score: { type: 'integer', minimum: 0, maximum: 10 },
  },
  required: ['summary', 'findings', 'score'],
  additionalProperties: false,
};

const REVIEW = {
  summary: 'Small loader; errors are not handled.',
  findings: [
    { severity: 'low', title: 'Sync I/O', detail: 'readFileSync blocks the event loop.', line: 4 },
    {
      severity: 'high',
      line: 4,
      title: 'Unchecked JSON',
      detail: 'JSON.parse throws on bad input.',
      suggestion: 'Catch and wrap the error.',
    },
    { severity: 'info', title: 'No tests', detail: 'Nothing tests load().' },
  ],
  score: 6,
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-24T10:30:00Z'));
  home = createTempHome();
  source = `${home.home}-src`;
  mkdirSync(path.join(source, 'src'), { recursive: true });
  file = path.join(source, 'src', 'app.service.ts');
  writeFileSync(file, CODE);
});

afterEach(() => {
  vi.useRealTimers();
  home.cleanup();
  rmSync(source, { recursive: true, force: true });
});

describe('code_review', () => {
  it('asks for a structured review, validates it and writes the markdown review', async () => {
    const models = scriptedRouter([answer(JSON.stringify(REVIEW), { input: 300, output: 90 }, REVIEW)]);
    const { result } = await runSkill(
      codeReview,
      { path: file },
      { models: models.router, home: home.home, readRoots: [source], task: { agent: 'coder_1' } },
    );

    expect(models.requests()).toEqual([
      {
        model: 'tiny',
        system: codeReviewSystemPrompt('all'),
        prompt:
          `Review the file ${file} (typescript, 5 lines). Each line starts with its number and "| "; the numbers are not part of the code.\n\n` +
          `<file name="${file}">\n` +
          "1 | import { readFileSync } from 'node:fs';\n" +
          '2 | \n' +
          '3 | export function load(name: string) {\n' +
          '4 |   return JSON.parse(readFileSync(name, "utf8"));\n' +
          '5 | }\n' +
          '</file>',
        json: SCHEMA_FOR_5_LINES,
        maxOutputTokens: 4096,
        temperature: 0,
      },
    ]);
    expect(codeReviewSystemPrompt('all')).toContain('as an architect: structure');
    expect(codeReviewSystemPrompt('all')).toContain('as a critic: bugs');
    expect(codeReviewSystemPrompt('all')).toContain('for performance: algorithmic complexity');

    const written = path.join(home.knowledge, 'code_reviews', 'app_service_ts_review_20261124_coder_1.md');
    expect(result).toEqual({
      file: written,
      reviewed: file,
      focus: 'all',
      score: 6,
      summary: 'Small loader; errors are not handled.',
      findings: { high: 1, medium: 0, low: 1, info: 1, total: 3 },
      model: 'tiny',
      provider: 'local',
      tokens: { input: 300, output: 90 },
    });
    expect(readFileSync(written, 'utf8')).toBe(
      [
        '# Code review: app.service.ts',
        '',
        `- File: \`${file}\``,
        '- Date: 2026-11-24',
        '- Agent: coder_1',
        '- Focus: all',
        '- Model: local/tiny',
        '- Score: 6/10',
        '- Findings: 1 high, 0 medium, 1 low, 1 info',
        '',
        '## Summary',
        '',
        'Small loader; errors are not handled.',
        '',
        '## Findings',
        '',
        '### 1. [high] Unchecked JSON (line 4)',
        '',
        'JSON.parse throws on bad input.',
        '',
        'Suggestion: Catch and wrap the error.',
        '',
        '### 2. [low] Sync I/O (line 4)',
        '',
        'readFileSync blocks the event loop.',
        '',
        '### 3. [info] No tests',
        '',
        'Nothing tests load().',
        '',
      ].join('\n'),
    );
  });

  it('uses the focus in the system prompt, parses a JSON text answer, and reports no findings', async () => {
    const clean = { summary: 'Fine.', findings: [], score: 9 };
    const models = scriptedRouter([answer(JSON.stringify(clean))]);
    const inside = path.join(home.knowledge, 'code', 'tool.py');
    mkdirSync(path.dirname(inside), { recursive: true });
    writeFileSync(inside, 'print("hi")\n');
    const { result } = await runSkill(
      codeReview,
      { path: inside, focus: 'perf', model: 'big' },
      { models: models.router, home: home.home },
    );
    const [request] = models.requests();
    expect(request?.system).toBe(
      'You are a senior software engineer reviewing one file. Review it for performance: algorithmic complexity, ' +
        'needless allocations or copies, blocking I/O, repeated work and caching. Report concrete problems, each ' +
        'with the line it is on when it is on one; leave out style points a formatter would fix. Give the file a ' +
        'score from 0 (unusable) to 10 (exemplary). Answer with JSON that follows the given schema.',
    );
    expect(request?.model).toBe('big');
    expect(request?.prompt).toContain('Review the file knowledge/code/tool.py (python, 1 lines).');
    expect(result).toMatchObject({ score: 9, focus: 'perf', findings: { total: 0 } });
    expect(path.basename(result.file)).toBe('tool_py_review_20261124_local.md');
    const markdown = readFileSync(result.file, 'utf8');
    expect(markdown).toContain('- File: `knowledge/code/tool.py`\n');
    expect(markdown.endsWith('## Findings\n\nNo findings.\n')).toBe(true);
  });

  it('fails with ModelOutputError naming every bad field, writing nothing', async () => {
    const bad = {
      summary: '',
      findings: [{ severity: 'critical', line: 99, title: 'x' }],
      score: 11,
      extra: true,
    };
    const models = scriptedRouter([answer(JSON.stringify(bad), {}, bad)]);
    const error = await runSkill(
      codeReview,
      { path: file },
      { models: models.router, home: home.home, readRoots: [source] },
    ).catch((caught: unknown) => caught);
    expect(ModelOutputError.isInstance(error)).toBe(true);
    const { issues, message, code } = error as ModelOutputError;
    expect(code).toBe('SKILL_MODEL_OUTPUT_INVALID');
    expect(issues.map((issue) => issue.split(':')[0])).toEqual([
      'summary',
      'findings[0].severity',
      'findings[0].line',
      'findings[0].detail',
      'score',
      '(answer)',
    ]);
    expect(message).toContain(
      'code_review: local/tiny returned an answer that does not match the expected schema',
    );
    expect(message).toContain('findings[0].line: Too big: expected number to be <=5');
    expect(message).toContain('Unrecognized key: "extra"');
    expect(reviewsOf(home)).toEqual([]);
  });

  it('fails with ModelOutputError when the answer is not JSON at all', async () => {
    const models = scriptedRouter([answer('Looks good to me!')]);
    await expect(
      runSkill(codeReview, { path: file }, { models: models.router, home: home.home, readRoots: [source] }),
    ).rejects.toMatchObject({
      code: 'SKILL_MODEL_OUTPUT_INVALID',
      message: 'code_review: local/tiny did not answer with JSON: "Looks good to me!"',
    });
    expect(reviewsOf(home)).toEqual([]);
  });

  it('refuses bad payloads and missing, out-of-bounds, oversized, empty and directory paths', async () => {
    const models = scriptedRouter([answer('never')]);
    const options = { models: models.router, home: home.home, readRoots: [source] };
    await expect(runSkill(codeReview, {} as never, options)).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
      message: expect.stringContaining('path:'),
    });
    await expect(
      runSkill(codeReview, { path: file, focus: 'style' } as never, options),
    ).rejects.toMatchObject({
      message: expect.stringContaining('focus:'),
    });
    await expect(
      runSkill(codeReview, { path: file, max_bytes: 5 * 1024 * 1024 }, options),
    ).rejects.toMatchObject({
      message: expect.stringContaining('max_bytes:'),
    });
    await expect(runSkill(codeReview, { path: path.join(source, 'nope.ts') }, options)).rejects.toMatchObject(
      { code: 'ENOENT' },
    );
    await expect(
      runSkill(codeReview, { path: file }, { models: models.router, home: home.home }),
    ).rejects.toMatchObject({ code: 'FS_ACCESS_DENIED', access: 'read' });

    const big = path.join(source, 'big.ts');
    writeFileSync(big, 'x'.repeat(200 * 1024 + 1));
    await expect(runSkill(codeReview, { path: big }, options)).rejects.toMatchObject({
      code: 'SKILL_INPUT_TOO_LARGE',
      size: 204_801,
      limit: 204_800,
      message: expect.stringContaining('it was not read (nothing is truncated)'),
    });
    // A caller may raise the cap explicitly; the same file then goes to the model.
    writeFileSync(big, 'const x = 1;\n'.repeat(16_000));
    const allowed = scriptedRouter([answer('{}', {}, { summary: 'Repetitive.', findings: [], score: 2 })]);
    await expect(
      runSkill(codeReview, { path: big, max_bytes: 300 * 1024 }, { ...options, models: allowed.router }),
    ).resolves.toMatchObject({ result: { score: 2 } });

    const empty = path.join(source, 'empty.ts');
    writeFileSync(empty, '');
    await expect(runSkill(codeReview, { path: empty }, options)).rejects.toMatchObject({
      code: 'SKILL_INPUT_EMPTY',
    });
    await expect(runSkill(codeReview, { path: source }, options)).rejects.toMatchObject({
      code: 'SKILL_INPUT_NOT_A_FILE',
    });
    expect(models.requests()).toEqual([]);
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
      runSkill(codeReview, { path: file }, { models: models.router, home: home.home, readRoots: [source] }),
    ).rejects.toBe(failure);
    expect(reviewsOf(home)).toEqual([]);
  });

  it('writes nothing when the task is cancelled while the model answers', async () => {
    const controller = new AbortController();
    const models = scriptedRouter([
      () => {
        controller.abort('stop');
        return answer('{}', {}, REVIEW);
      },
    ]);
    const { skill, settled } = observed(codeReview);
    await expect(
      runSkill(
        skill,
        { path: file },
        { models: models.router, home: home.home, readRoots: [source], signal: controller.signal },
      ),
    ).rejects.toSatisfy(SkillCancelledError.isInstance);
    expect(((await settled()) as { status: string }).status).toBe('rejected');
    expect(reviewsOf(home)).toEqual([]);
  });

  it('fails with SkillModelsUnavailableError when the host gives no model router', async () => {
    await expect(
      runSkill(codeReview, { path: file }, { home: home.home, readRoots: [source] }),
    ).rejects.toSatisfy(SkillModelsUnavailableError.isInstance);
  });
});

describe('numberLines', () => {
  it('numbers lines right-aligned and ignores one trailing newline', () => {
    const text = Array.from({ length: 10 }, (_, index) => `l${index + 1}`).join('\r\n');
    expect(numberLines(`${text}\n`)).toEqual({
      numbered: [
        ' 1 | l1',
        ' 2 | l2',
        ' 3 | l3',
        ' 4 | l4',
        ' 5 | l5',
        ' 6 | l6',
        ' 7 | l7',
        ' 8 | l8',
        ' 9 | l9',
        '10 | l10',
      ].join('\n'),
      lines: 10,
    });
  });
});
