import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { knowledgeSearch } from './knowledge-search';

let home: TempHome;

const write = (relative: string, text: string | Buffer) => {
  const file = path.join(home.knowledge, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
};

beforeEach(() => {
  home = createTempHome();
  write(
    'notes/queue.md',
    [
      '# Queue notes',
      'The queue claims tasks atomically.',
      'Stale task recovery returns RUNNING tasks to PENDING.',
      'Heartbeats keep a task alive.',
    ].join('\n'),
  );
  write('research/gpu.txt', 'GPU thermal limits lower the model tier.\nThe task queue is unrelated here.\n');
  write(
    'code_index.jsonl',
    `${JSON.stringify({ path: 'src/create-skill-fs.ts', symbols: [{ name: 'createSkillFs' }] })}\n`,
  );
  write('image.png', Buffer.from([0, 1, 2]));
  write('blob.txt', Buffer.from([0x71, 0x75, 0x65, 0x75, 0x65, 0, 0]));
});

afterEach(() => home.cleanup());

describe('knowledge_search', () => {
  it('ranks lines by BM25: rare terms and focused lines first', async () => {
    const { result } = await runSkill(knowledgeSearch, { query: 'stale task recovery' }, { home: home.home });
    expect(result.terms).toEqual(['stale', 'task', 'recovery']);
    expect(result.searchedFiles).toBe(3);
    expect(result.matches[0]).toMatchObject({
      path: 'notes/queue.md',
      line: 3,
      snippet: 'Stale task recovery returns RUNNING tasks to PENDING.',
    });
    const scores = result.matches.map((match) => match.score);
    expect(scores).toEqual([...scores].sort((left, right) => right - left));
    expect(result.matches.map((match) => `${match.path}:${match.line}`)).toEqual(
      expect.arrayContaining(['notes/queue.md:4', 'research/gpu.txt:2']),
    );
  });

  it('splits identifiers so code symbols are found, and honours limit and path', async () => {
    const symbol = await runSkill(knowledgeSearch, { query: 'skill fs' }, { home: home.home });
    expect(symbol.result.matches[0]?.path).toBe('code_index.jsonl');

    const limited = await runSkill(knowledgeSearch, { query: 'queue', limit: 1 }, { home: home.home });
    expect(limited.result.matches).toHaveLength(1);

    const scoped = await runSkill(knowledgeSearch, { query: 'queue', path: 'research' }, { home: home.home });
    expect(scoped.result.searchedFiles).toBe(1);
    expect(scoped.result.matches.map((match) => match.path)).toEqual(['gpu.txt']);
  });

  it('returns nothing (no error) when the knowledge directory does not exist yet', async () => {
    const { result } = await runSkill(knowledgeSearch, { query: 'anything' });
    expect(result).toEqual({ query: 'anything', terms: ['anything'], matches: [], searchedFiles: 0 });
  });

  it('validates the query length', async () => {
    await expect(runSkill(knowledgeSearch, { query: '' })).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
    });
    await expect(runSkill(knowledgeSearch, { query: 'x'.repeat(501) })).rejects.toThrow('query');
  });
});
