import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FLASHCARDS_SYSTEM_PROMPT, flashcards } from './flashcards';
import { answer, scriptedRouter } from './internal/model-test-helpers';

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

const deck = (...pairs: Array<[string, string]>) => ({
  cards: pairs.map(([question, answer]) => ({ question, answer })),
});

describe('flashcards', () => {
  it('asks for structured cards from a knowledge file and writes the deck', async () => {
    const note = path.join(home.knowledge, 'notes', 'raft.md');
    mkdirSync(path.dirname(note), { recursive: true });
    writeFileSync(note, 'Raft elects a leader with randomized timeouts. Logs replicate from the leader.\n');
    const cards = deck(
      ['How does Raft elect a leader?', 'With randomized election timeouts.'],
      ['Where do logs replicate from?', 'From the leader.'],
    );
    const models = scriptedRouter([answer(JSON.stringify(cards), { input: 40, output: 30 }, cards)]);
    const { result } = await runSkill(
      flashcards,
      { path: note, max_cards: 5 },
      { models: models.router, home: home.home, task: { agent: 'archivist' } },
    );
    const [request] = models.requests();
    expect(request?.system).toBe(FLASHCARDS_SYSTEM_PROMPT);
    expect(request?.prompt).toContain('Write at most 5 flashcards');
    expect(request?.json).toMatchObject({
      properties: { cards: { type: 'array', minItems: 1, maxItems: 5 } },
    });
    const written = path.join(home.knowledge, 'flashcards', 'raft_flashcards_20261124_archivist.md');
    expect(result).toMatchObject({
      file: written,
      chunks: 1,
      cards: cards.cards,
      tokens: { input: 40, output: 30 },
    });
    const markdown = readFileSync(written, 'utf8');
    expect(markdown).toContain('- Source: `knowledge/notes/raft.md`');
    expect(markdown).toContain('## 1. How does Raft elect a leader?\n\nWith randomized election timeouts.');
    expect(markdown).toContain('- Cards: 2');
  });

  it('shares the cards out between chunks, drops repeated questions and caps the deck', async () => {
    const text = `${'First part. '.repeat(60)}\n\n${'Second part. '.repeat(60)}`;
    const models = scriptedRouter([
      answer('', {}, deck(['Q one?', 'A1'], ['Q two?', 'A2'])),
      answer('', {}, deck(['q  ONE?', 'dup'], ['Q three?', 'A3'])),
    ]);
    const { result } = await runSkill(
      flashcards,
      { text, max_cards: 3, chunk_chars: 800 },
      { models: models.router, home: home.home },
    );
    expect(models.requests()).toHaveLength(2);
    expect(models.requests()[0]?.prompt).toContain(
      'at most 2 flashcards about the document below (part 1 of 2)',
    );
    expect(result.chunks).toBe(2);
    expect(result.cards.map((card) => card.question)).toEqual(['Q one?', 'Q two?', 'Q three?']);
  });

  it('refuses a deck that breaks the schema and writes nothing', async () => {
    const bad = { cards: [{ question: '', answer: 'x' }] };
    const models = scriptedRouter([answer(JSON.stringify(bad), {}, bad)]);
    await expect(
      runSkill(flashcards, { text: 'Some text.' }, { models: models.router, home: home.home }),
    ).rejects.toMatchObject({ code: 'SKILL_MODEL_OUTPUT_INVALID' });
    expect(existsSync(path.join(home.knowledge, 'flashcards'))).toBe(false);
  });

  it('refuses oversized text before any model call', async () => {
    const models = scriptedRouter([]);
    await expect(
      runSkill(
        flashcards,
        { text: 'x'.repeat(2001), max_bytes: 2000 },
        { models: models.router, home: home.home },
      ),
    ).rejects.toMatchObject({ code: 'SKILL_INPUT_TOO_LARGE', size: 2001, limit: 2000 });
    expect(models.requests()).toHaveLength(0);
  });

  it.each([
    ['neither text nor path', {}],
    ['both text and path', { text: 'a', path: '/a.md' }],
    ['empty text', { text: '   ' }],
    ['max_cards over 200', { text: 'a', max_cards: 201 }],
    ['an unknown key', { text: 'a', cards: 3 }],
  ])('refuses %s (PAYLOAD_SCHEMA_MISMATCH)', async (_, payload) => {
    const models = scriptedRouter([]);
    await expect(runSkill(flashcards, payload as never, { models: models.router })).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
    });
  });
});
