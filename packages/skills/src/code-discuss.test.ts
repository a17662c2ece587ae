import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ModelCallError } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill, SkillCancelledError, SkillModelsUnavailableError } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { codeDiscuss, codeDiscussMessages, codeDiscussSystemPrompt } from './code-discuss';
import { answer, observed, scriptedRouter } from './internal/model-test-helpers';

let home: TempHome;
let source: string;
let file: string;

const discussionsOf = (temp: TempHome) => {
  const folder = path.join(temp.knowledge, 'code_discussion');
  return existsSync(folder) ? readdirSync(folder) : [];
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-24T10:30:00Z'));
  home = createTempHome();
  source = `${home.home}-src`;
  mkdirSync(source, { recursive: true });
  file = path.join(source, 'cache.ts');
  writeFileSync(file, 'const cache = new Map();\nexport const get = (k) => cache.get(k);\n');
});

afterEach(() => {
  vi.useRealTimers();
  home.cleanup();
  rmSync(source, { recursive: true, force: true });
});

describe('code_discuss', () => {
  it('lets the architect, critic and perf take turns on a file and writes the transcript', async () => {
    const models = scriptedRouter([
      answer('A module-level Map couples callers.', { input: 50, output: 8 }),
      answer('It never evicts: a leak.', { input: 60, output: 6 }),
      answer('Map lookups are O(1); eviction matters more.', { input: 70, output: 9 }),
    ]);
    const { result } = await runSkill(
      codeDiscuss,
      { path: file, topic: 'Is the cache safe?', question: 'Should it evict?', rounds: 1 },
      { models: models.router, home: home.home, readRoots: [source], task: { agent: 'coder_2' } },
    );

    const brief =
      'Topic: Is the cache safe?\nQuestion: Should it evict?\n\n' +
      `The file ${file}, with line numbers:\n\n` +
      `<file name="${file}">\n1 | const cache = new Map();\n2 | export const get = (k) => cache.get(k);\n</file>`;
    const base = { model: 'tiny', maxOutputTokens: 600, temperature: 0.7 };
    expect(models.requests()).toEqual([
      {
        ...base,
        system: codeDiscussSystemPrompt('architect'),
        messages: [{ role: 'user', content: `${brief}\n\nYour turn, architect.` }],
      },
      {
        ...base,
        system: codeDiscussSystemPrompt('critic'),
        messages: [
          {
            role: 'user',
            content: `${brief}\n\n[architect] A module-level Map couples callers.\n\nYour turn, critic.`,
          },
        ],
      },
      {
        ...base,
        system: codeDiscussSystemPrompt('perf'),
        messages: [
          {
            role: 'user',
            content:
              `${brief}\n\n[architect] A module-level Map couples callers.\n\n` +
              '[critic] It never evicts: a leak.\n\nYour turn, perf.',
          },
        ],
      },
    ]);
    expect(codeDiscussSystemPrompt('critic')).toBe(
      'You are the critic in a short code discussion between an architect, a critic and a performance engineer (perf). ' +
        'You look for bugs, wrong edge cases, security problems and missing tests, and you challenge weak claims. ' +
        "Reply in at most 150 words: make your own point and answer the others' points where you disagree. " +
        'No greetings and no recap of what others said.',
    );

    const written = path.join(home.knowledge, 'code_discussion', 'is-the-cache-safe_20261124_coder_2.md');
    expect(result).toEqual({
      file: written,
      topic: 'Is the cache safe?',
      turns: [
        { role: 'architect', text: 'A module-level Map couples callers.' },
        { role: 'critic', text: 'It never evicts: a leak.' },
        { role: 'perf', text: 'Map lookups are O(1); eviction matters more.' },
      ],
      model: 'tiny',
      provider: 'local',
      tokens: { input: 180, output: 23 },
    });
    expect(readFileSync(written, 'utf8')).toBe(
      [
        '# Code discussion: Is the cache safe?',
        '',
        `- File: \`${file}\``,
        '- Question: Should it evict?',
        '- Date: 2026-11-24',
        '- Agent: coder_2',
        '- Rounds: 1',
        '- Model: local/tiny',
        '',
        '## Round 1',
        '',
        '### architect',
        '',
        'A module-level Map couples callers.',
        '',
        '### critic',
        '',
        'It never evicts: a leak.',
        '',
        '### perf',
        '',
        'Map lookups are O(1); eviction matters more.',
        '',
      ].join('\n'),
    );
  });

  it('runs two rounds by default: a speaker sees its own turns as assistant messages', async () => {
    let turn = 0;
    const models = scriptedRouter([() => answer(`turn ${++turn}`)]);
    const { result } = await runSkill(
      codeDiscuss,
      { topic: 'Queue retries' },
      { models: models.router, home: home.home },
    );
    expect(result.turns.map((entry) => `${entry.role}: ${entry.text}`)).toEqual([
      'architect: turn 1',
      'critic: turn 2',
      'perf: turn 3',
      'architect: turn 4',
      'critic: turn 5',
      'perf: turn 6',
    ]);
    expect(models.requests()[3]?.messages).toEqual([
      { role: 'user', content: 'Topic: Queue retries' },
      { role: 'assistant', content: 'turn 1' },
      { role: 'user', content: '[critic] turn 2\n\n[perf] turn 3\n\nYour turn, architect.' },
    ]);
    expect(models.requests()[5]?.messages).toEqual([
      { role: 'user', content: 'Topic: Queue retries\n\n[architect] turn 1\n\n[critic] turn 2' },
      { role: 'assistant', content: 'turn 3' },
      { role: 'user', content: '[architect] turn 4\n\n[critic] turn 5\n\nYour turn, perf.' },
    ]);
    expect(path.basename(result.file)).toBe('queue-retries_20261124_local.md');
    const markdown = readFileSync(result.file, 'utf8');
    expect(markdown).not.toContain('- File:');
    expect(markdown).toContain('## Round 1\n\n### architect\n\nturn 1\n');
    expect(markdown).toContain('## Round 2\n\n### architect\n\nturn 4\n');
  });

  it('builds alternating messages for a speaker with no turns yet', () => {
    expect(codeDiscussMessages('brief', [], 'critic')).toEqual([
      { role: 'user', content: 'brief\n\nYour turn, critic.' },
    ]);
  });

  it('refuses bad payloads and missing, out-of-bounds, oversized and empty files', async () => {
    const models = scriptedRouter([answer('never')]);
    const options = { models: models.router, home: home.home, readRoots: [source] };
    await expect(runSkill(codeDiscuss, {} as never, options)).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
      message: expect.stringContaining('topic:'),
    });
    await expect(runSkill(codeDiscuss, { topic: 'x', rounds: 6 }, options)).rejects.toMatchObject({
      message: expect.stringContaining('rounds:'),
    });
    await expect(runSkill(codeDiscuss, { topic: '   ' }, options)).rejects.toMatchObject({
      message: expect.stringContaining('topic:'),
    });
    await expect(
      runSkill(codeDiscuss, { topic: 'x', path: path.join(source, 'gone.ts') }, options),
    ).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(
      runSkill(codeDiscuss, { topic: 'x', path: file }, { models: models.router, home: home.home }),
    ).rejects.toMatchObject({ code: 'FS_ACCESS_DENIED' });
    await expect(
      runSkill(codeDiscuss, { topic: 'x', path: file, max_bytes: 10 }, options),
    ).rejects.toMatchObject({
      code: 'SKILL_INPUT_TOO_LARGE',
    });
    const empty = path.join(source, 'empty.ts');
    writeFileSync(empty, '\n');
    await expect(runSkill(codeDiscuss, { topic: 'x', path: empty }, options)).rejects.toMatchObject({
      code: 'SKILL_INPUT_EMPTY',
    });
    expect(models.requests()).toEqual([]);
  });

  it('rejects with the provider error, writing nothing, when a turn fails', async () => {
    const failure = new ModelCallError({
      providerId: 'local',
      modelId: 'tiny',
      statusCode: 400,
      isRetryable: false,
    });
    const models = scriptedRouter([answer('first'), failure]);
    await expect(
      runSkill(codeDiscuss, { topic: 'x' }, { models: models.router, home: home.home }),
    ).rejects.toBe(failure);
    expect(models.requests()).toHaveLength(2);
    expect(discussionsOf(home)).toEqual([]);
  });

  it('stops between turns when the task is cancelled, writing nothing', async () => {
    const controller = new AbortController();
    const models = scriptedRouter([
      () => {
        controller.abort('stop');
        return answer('first');
      },
      answer('never'),
    ]);
    const { skill, settled } = observed(codeDiscuss);
    await expect(
      runSkill(skill, { topic: 'x' }, { models: models.router, home: home.home, signal: controller.signal }),
    ).rejects.toSatisfy(SkillCancelledError.isInstance);
    expect(((await settled()) as { status: string }).status).toBe('rejected');
    expect(models.requests()).toHaveLength(1);
    expect(discussionsOf(home)).toEqual([]);
  });

  it('fails with SkillModelsUnavailableError when the host gives no model router', async () => {
    await expect(runSkill(codeDiscuss, { topic: 'x' }, { home: home.home })).rejects.toSatisfy(
      SkillModelsUnavailableError.isInstance,
    );
  });
});
