import { z } from '@biged/skill-sdk';
import { describe, expect, it } from 'vitest';
import {
  agentStem,
  dateStamp,
  describeIssues,
  fileStem,
  isoDate,
  jsonSchemaOf,
  MAX_REDUCE_ROUNDS,
  packGroups,
  reduceToOne,
  slugify,
  splitIntoChunks,
} from './model-skill';

describe('file name pieces', () => {
  it('slugifies to ASCII lower case with dashes, cut at a word boundary', () => {
    expect(slugify('Crème Brûlée: a HOW-TO (v2)!')).toBe('creme-brulee-a-how-to-v2');
    expect(slugify('???')).toBe('untitled');
    expect(slugify('alpha beta gamma delta', 12)).toBe('alpha-beta');
    expect(slugify('abcdefghijklmnopqrstuvwxyz', 10)).toBe('abcdefghij');
  });

  it('replaces dots (and unsafe characters) in a file stem and an agent name with underscores', () => {
    expect(fileStem('/src/app.service.ts')).toBe('app_service_ts');
    expect(fileStem('my file.d.ts')).toBe('my_file_d_ts');
    expect(fileStem('Makefile')).toBe('Makefile');
    expect(agentStem('coder_1')).toBe('coder_1');
    expect(agentStem('host/a b')).toBe('host_a_b');
  });

  it('stamps dates in UTC', () => {
    const date = new Date('2026-01-02T23:59:59-05:00');
    expect(dateStamp(date)).toBe('20260103');
    expect(isoDate(date)).toBe('2026-01-03');
  });
});

describe('splitIntoChunks', () => {
  it('keeps a short text whole, trimmed', () => {
    expect(splitIntoChunks('  hello world \n', 100)).toEqual(['hello world']);
  });

  it('cuts at paragraph breaks first and packs paragraphs greedily', () => {
    const text = ['a'.repeat(30), 'b'.repeat(30), 'c'.repeat(30), 'd'.repeat(80)].join('\n\n');
    expect(splitIntoChunks(text, 70)).toEqual([
      `${'a'.repeat(30)}\n\n${'b'.repeat(30)}`,
      'c'.repeat(30),
      'd'.repeat(70),
      'd'.repeat(10),
    ]);
  });

  it('falls back to lines, then sentences, then spaces, losing no text', () => {
    const sentences = 'One two three. Four five six. Seven eight nine. Ten eleven twelve.';
    const chunks = splitIntoChunks(sentences, 30);
    expect(chunks).toEqual(['One two three. Four five six.', 'Seven eight nine.', 'Ten eleven twelve.']);
    expect(chunks.every((chunk) => chunk.length <= 30)).toBe(true);

    const lines = Array.from({ length: 20 }, (_, index) => `line ${index}`).join('\n');
    const byLine = splitIntoChunks(lines, 25);
    expect(byLine.every((chunk) => chunk.length <= 25)).toBe(true);
    expect(byLine.join('\n')).toBe(lines);
  });

  it('never cuts a surrogate pair when it has to cut inside a word', () => {
    const chunks = splitIntoChunks('😀'.repeat(10), 5);
    expect(chunks.join('')).toBe('😀'.repeat(10));
    expect(chunks.every((chunk) => !/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(chunk))).toBe(true);
  });

  it('rejects a budget below 1', () => {
    expect(() => splitIntoChunks('x', 0)).toThrow(RangeError);
  });
});

describe('packGroups and reduceToOne', () => {
  it('packs pieces into groups within the budget, separators counted', () => {
    expect(packGroups(['aaaa', 'bbbb', 'cccc', 'dddddddddddd'], 10)).toEqual([
      ['aaaa', 'bbbb'],
      ['cccc'],
      ['dddddddddddd'],
    ]);
  });

  it('combines in rounds until one group is left', async () => {
    const calls: string[] = [];
    const result = await reduceToOne({
      pieces: ['aaaa', 'bbbb', 'cccc', 'dddd'],
      maxChars: 10,
      signal: new AbortController().signal,
      combine: async (group, final, level) => {
        calls.push(`${level}${final ? '!' : ''}:${group.join('+')}`);
        return group.map((piece) => piece[0]).join('');
      },
      noProgress: () => new Error('no progress'),
    });
    expect(calls).toEqual(['0:aaaa+bbbb', '0:cccc+dddd', '1!:ab+cd']);
    expect(result).toBe('ac');
  });

  it('gives up when a round does not shrink the material, or after the last round', async () => {
    const grow = reduceToOne({
      pieces: ['aaaaaaaa', 'bbbbbbbb'],
      maxChars: 10,
      signal: new AbortController().signal,
      combine: async (group) => `${group.join('')}!`,
      noProgress: (pieces) => new Error(`stuck at ${pieces}`),
    });
    await expect(grow).rejects.toThrow('stuck at 2');

    let rounds = 0;
    const slow = reduceToOne({
      pieces: ['x'.repeat(100), 'y'.repeat(100)],
      maxChars: 50,
      signal: new AbortController().signal,
      combine: async (group, _final, level) => {
        rounds = level + 1;
        return group.join('').slice(1);
      },
      noProgress: () => new Error('too many rounds'),
    });
    await expect(slow).rejects.toThrow('too many rounds');
    expect(rounds).toBe(MAX_REDUCE_ROUNDS);
  });

  it('checks the signal before every call', async () => {
    const controller = new AbortController();
    let calls = 0;
    const run = reduceToOne({
      pieces: ['aaaa', 'bbbb', 'cccc'],
      maxChars: 5,
      signal: controller.signal,
      combine: async (group) => {
        calls += 1;
        controller.abort(new Error('cancelled'));
        return group[0]!.slice(0, 1);
      },
      noProgress: () => new Error('no progress'),
    });
    await expect(run).rejects.toThrow('cancelled');
    expect(calls).toBe(1);
  });
});

describe('jsonSchemaOf and describeIssues', () => {
  it('makes a JSON schema without the $schema key', () => {
    expect(
      jsonSchemaOf(z.strictObject({ n: z.number().int().min(0).max(3), tag: z.string().optional() })),
    ).toEqual({
      type: 'object',
      properties: { n: { type: 'integer', minimum: 0, maximum: 3 }, tag: { type: 'string' } },
      required: ['n'],
      additionalProperties: false,
    });
  });

  it('renders issue paths with dots and brackets', () => {
    const parsed = z
      .object({ items: z.array(z.object({ n: z.number() })) })
      .safeParse({ items: [{ n: 'x' }] });
    expect(parsed.success).toBe(false);
    expect(describeIssues(parsed.error!)).toEqual(['items[0].n: expected number, received string']);
  });
});
