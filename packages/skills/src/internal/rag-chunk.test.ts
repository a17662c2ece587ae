import { describe, expect, it } from 'vitest';
import { chunkDocument, type RagTextChunk } from './rag-chunk';

const lines = (count: number, make: (line: number) => string) =>
  Array.from({ length: count }, (_, index) => make(index + 1)).join('\n');

/** The document's lines `start..end` joined, as a chunk without split lines must read. */
const slice = (text: string, chunk: RagTextChunk) =>
  text
    .split('\n')
    .slice(chunk.startLine - 1, chunk.endLine)
    .join('\n');

/** A seeded generator, so the randomised cases are the same on every run. */
function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32;
  };
}

describe('chunkDocument', () => {
  it('packs prose line by line, never past chunkSize, with the last lines repeated in the next chunk', () => {
    const text = lines(60, (line) => `line ${line} of the notes`);
    const chunks = chunkDocument({ text, kind: 'prose', chunkSize: 200, overlap: 50 });
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.text.length).toBeLessThanOrEqual(200);
      expect(chunk.text).toBe(slice(text, chunk));
    }
    expect(chunks[0]?.startLine).toBe(1);
    expect(chunks.at(-1)?.endLine).toBe(60);
    for (let index = 1; index < chunks.length; index++) {
      const previous = chunks[index - 1] as RagTextChunk;
      const current = chunks[index] as RagTextChunk;
      // Overlap: each chunk starts inside the previous one (1 or 2 lines of ~20 chars fit in 50), and moves on.
      expect(current.startLine).toBeLessThanOrEqual(previous.endLine);
      expect(current.startLine).toBeGreaterThanOrEqual(previous.endLine - 1);
      expect(current.endLine).toBeGreaterThan(previous.endLine);
    }
  });

  it('without overlap, prose chunks tile the document exactly', () => {
    const text = lines(40, (line) => `sentence number ${line}.`);
    const chunks = chunkDocument({ text, kind: 'prose', chunkSize: 120, overlap: 0 });
    for (let index = 1; index < chunks.length; index++) {
      expect(chunks[index]?.startLine).toBe((chunks[index - 1]?.endLine ?? 0) + 1);
    }
    expect(chunks.map((chunk) => chunk.text).join('\n')).toBe(text);
  });

  it('keeps code blocks whole when they fit and starts chunks at block boundaries', () => {
    const block = (name: string) => [`function ${name}() {`, `  return '${name}';`, '}'].join('\n');
    // Each block is 36 characters: two fit in 80 (36 + a blank line + 36), three do not.
    const text = [block('one1'), '', block('two2'), '', '', block('six6'), '', block('ten0'), ''].join('\n');
    const chunks = chunkDocument({ text, kind: 'code', chunkSize: 80, overlap: 0 });
    expect(chunks).toEqual([
      { startLine: 1, endLine: 7, text: `${block('one1')}\n\n${block('two2')}` },
      { startLine: 10, endLine: 16, text: `${block('six6')}\n\n${block('ten0')}` },
    ]);
  });

  it('splits a code block larger than chunkSize into lines, and a line larger than chunkSize into pieces', () => {
    const big = lines(30, (line) => `  statement_${line}();`);
    const longLine = 'x'.repeat(250);
    const text = `${big}\n\n${longLine}\n`;
    const chunks = chunkDocument({ text, kind: 'code', chunkSize: 100, overlap: 0 });
    for (const chunk of chunks) expect(chunk.text.length).toBeLessThanOrEqual(100);
    const pieces = chunks.filter((chunk) => chunk.startLine === 32);
    expect(pieces.map((chunk) => chunk.text).join('')).toBe(longLine);
    expect(pieces).toHaveLength(3);
    const covered = new Set(chunks.flatMap((chunk) => [chunk.startLine, chunk.endLine]));
    expect(covered.has(1)).toBe(true);
    expect(covered.has(30)).toBe(true);
  });

  it('starts a new chunk at a markdown heading once the current one is half full', () => {
    const text = ['# One', lines(4, (line) => `alpha text ${line}`), '## Two', 'beta text'].join('\n');
    // 74 characters in all, so only the heading rule splits it: the first section is 57 (over half of 100).
    const chunks = chunkDocument({ text, kind: 'prose', chunkSize: 100, overlap: 30 });
    expect(chunks).toHaveLength(2);
    expect(chunks[1]).toEqual({ startLine: 6, endLine: 7, text: '## Two\nbeta text' });
  });

  it('drops blank-only documents and chunks, and reads CRLF line ends', () => {
    expect(chunkDocument({ text: '', kind: 'prose', chunkSize: 100, overlap: 0 })).toEqual([]);
    expect(chunkDocument({ text: '\n  \n\t\n', kind: 'code', chunkSize: 100, overlap: 0 })).toEqual([]);
    expect(
      chunkDocument({ text: '\r\n\r\nfirst\r\nsecond\r\n\r\n', kind: 'prose', chunkSize: 100, overlap: 10 }),
    ).toEqual([{ startLine: 3, endLine: 4, text: 'first\nsecond' }]);
  });

  it('refuses a chunk size below 1 and an overlap not smaller than it', () => {
    expect(() => chunkDocument({ text: 'x', kind: 'prose', chunkSize: 0, overlap: 0 })).toThrow(RangeError);
    expect(() => chunkDocument({ text: 'x', kind: 'prose', chunkSize: 10, overlap: 10 })).toThrow(/overlap/);
    expect(() => chunkDocument({ text: 'x', kind: 'prose', chunkSize: 10, overlap: -1 })).toThrow(/overlap/);
  });

  it('covers every non-blank line within the size limit on random documents (seeded)', () => {
    const random = seeded(42);
    for (let round = 0; round < 200; round++) {
      const count = 1 + Math.floor(random() * 80);
      const text = lines(count, () => (random() < 0.2 ? '' : 'w'.repeat(Math.floor(random() * 90))));
      const chunkSize = 20 + Math.floor(random() * 200);
      const overlap = Math.floor(random() * chunkSize * 0.6);
      const kind = random() < 0.5 ? 'prose' : 'code';
      const chunks = chunkDocument({ text, kind, chunkSize, overlap });
      const documentLines = text.split('\n');
      const covered = new Set<number>();
      for (const chunk of chunks) {
        expect(chunk.text.length, `round ${round}`).toBeLessThanOrEqual(chunkSize);
        expect(chunk.text.trim()).not.toBe('');
        expect(chunk.startLine).toBeLessThanOrEqual(chunk.endLine);
        for (let line = chunk.startLine; line <= chunk.endLine; line++) covered.add(line);
      }
      documentLines.forEach((line, index) => {
        if (line.trim() !== '')
          expect(covered.has(index + 1), `round ${round}, line ${index + 1}`).toBe(true);
      });
      // Chunks move forward through the document.
      for (let index = 1; index < chunks.length; index++) {
        expect(chunks[index]?.endLine).toBeGreaterThanOrEqual(chunks[index - 1]?.endLine ?? 0);
      }
    }
  });
});
