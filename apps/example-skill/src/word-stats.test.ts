import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runSkill } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wordStats } from './word-stats';

let home: string;

beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'word-stats-'));
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

describe('word_stats', () => {
  it('counts words, lines and characters, ranks the frequent words and writes the record', async () => {
    const { result } = await runSkill(
      wordStats,
      { text: 'The cat saw the dog.\nThe dog ran.', top: 2 },
      { home, task: { id: 7, agent: 'archivist' } },
    );
    expect(result).toMatchObject({
      words: 8,
      lines: 2,
      characters: 33,
      top: [
        { word: 'the', count: 3 },
        { word: 'dog', count: 2 },
      ],
    });
    expect(result.file).toBe(path.join(home, 'knowledge', 'word_stats', 'task_7.json'));
    expect(JSON.parse(readFileSync(result.file, 'utf8'))).toMatchObject({ words: 8, agent: 'archivist' });
  });

  it.each([
    ['an empty text', { text: '' }],
    ['top 0', { text: 'a', top: 0 }],
    ['an unknown key', { text: 'a', lang: 'en' }],
  ])('refuses %s (PAYLOAD_SCHEMA_MISMATCH)', async (_, payload) => {
    await expect(runSkill(wordStats, payload as never)).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
    });
  });
});
