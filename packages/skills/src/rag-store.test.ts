import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RagIndexError } from './errors/rag-index-error';
import { createRagStore, RAG_MAX_K, type RagChunkInput, type RagStore } from './rag-store';

/** A seeded generator, so the random vectors are the same on every run. */
function seeded(seed: number) {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

const unit = (values: number[]) => {
  const norm = Math.hypot(...values);
  return Float32Array.from(values, (value) => value / norm);
};

const chunk = (text: string, embedding: Float32Array, line = 1): RagChunkInput => ({
  startLine: line,
  endLine: line,
  text,
  embedding,
});

describe('createRagStore', () => {
  let dir: string;
  let file: string;
  let store: RagStore;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'biged-rag-store-'));
    file = path.join(dir, 'nested', 'rag.db');
    store = createRagStore({ file });
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the file and its folder, and an empty index answers nothing', () => {
    expect(store.file).toBe(file);
    expect(store.info()).toBeUndefined();
    expect(store.stats()).toEqual({ sources: 0, chunks: 0, index: undefined });
    expect(store.query(unit([1, 0, 0]), 5)).toEqual([]);
  });

  it('returns the nearest chunks first, with cosine scores, sources and lines', () => {
    store.ensureIndex({ model: 'm', dimensions: 3 });
    store.replaceSources([
      { path: '/docs/a.md', sha256: 'a', mtimeMs: 1, size: 10, chunks: [chunk('east', unit([1, 0, 0]), 3)] },
      {
        path: '/docs/b.md',
        sha256: 'b',
        mtimeMs: 2,
        size: 20,
        chunks: [chunk('north', unit([0, 1, 0]), 7), chunk('north-east', unit([1, 1, 0]), 9)],
      },
    ]);
    const hits = store.query(unit([1, 0.1, 0]), 2);
    expect(hits.map((hit) => hit.text)).toEqual(['east', 'north-east']);
    expect(hits[0]).toMatchObject({ source: '/docs/a.md', start_line: 3, end_line: 3 });
    expect(hits[0]?.score).toBeCloseTo(1 / Math.hypot(1, 0.1), 5);
    expect(hits[1]?.score).toBeCloseTo(1.1 / (Math.hypot(1, 0.1) * Math.SQRT2), 5);
    // Opposite to east: north (orthogonal, 0) is nearest, east itself (-1) is last.
    const opposite = store.query(unit([-1, 0, 0]), 3).map((hit) => hit.score);
    expect(opposite[0]).toBeCloseTo(0, 5);
    expect(opposite[1]).toBeCloseTo(-Math.SQRT1_2, 5);
    expect(opposite[2]).toBeCloseTo(-1, 5);
    expect(store.stats()).toEqual({ sources: 2, chunks: 3, index: { model: 'm', dimensions: 3 } });
  });

  it('finds the same top-k as a brute-force scan of the same vectors', () => {
    const random = seeded(7);
    const dimensions = 24;
    const vectors = Array.from({ length: 3000 }, () => unit(Array.from({ length: dimensions }, random)));
    store.ensureIndex({ model: 'm', dimensions });
    store.replaceSources(
      Array.from({ length: 30 }, (_, file) => ({
        path: `/data/${file}.txt`,
        sha256: String(file),
        mtimeMs: 0,
        size: 0,
        chunks: vectors
          .slice(file * 100, file * 100 + 100)
          .map((vector, line) => chunk(`${file}:${line + 1}`, vector, line + 1)),
      })),
    );
    for (let round = 0; round < 10; round++) {
      const query = unit(Array.from({ length: dimensions }, random));
      const expected = vectors
        .map((vector, index) => ({
          index,
          score: vector.reduce((sum, value, at) => sum + value * (query[at] as number), 0),
        }))
        .sort((left, right) => right.score - left.score)
        .slice(0, 10)
        .map(({ index }) => `${Math.floor(index / 100)}:${(index % 100) + 1}`);
      expect(store.query(query, 10).map((hit) => hit.text)).toEqual(expected);
    }
  });

  it('replaces the chunks (and vectors) of a source stored again, and removes sources', () => {
    store.ensureIndex({ model: 'm', dimensions: 2 });
    store.replaceSources([
      {
        path: '/a',
        sha256: '1',
        mtimeMs: 1,
        size: 1,
        chunks: [chunk('old one', unit([1, 0])), chunk('old two', unit([0, 1]))],
      },
    ]);
    store.replaceSources([
      { path: '/a', sha256: '2', mtimeMs: 2, size: 2, chunks: [chunk('new', unit([1, 0]))] },
    ]);
    expect(store.source('/a')).toEqual({ path: '/a', sha256: '2', mtimeMs: 2, size: 2, chunks: 1 });
    expect(store.query(unit([0, 1]), 10).map((hit) => hit.text)).toEqual(['new']);
    expect(store.removeSources(['/a', '/never'])).toBe(1);
    expect(store.query(unit([0, 1]), 10)).toEqual([]);
    expect(store.stats()).toMatchObject({ sources: 0, chunks: 0 });
  });

  it('lists the sources under a folder, not those of a sibling whose name only starts the same', () => {
    store.replaceSources(
      ['/docs/a.md', '/docs/sub/b.md', '/docs2/c.md', '/do%s/d.md', '/docs'].map((sourcePath) => ({
        path: sourcePath,
        sha256: 'x',
        mtimeMs: 0,
        size: 0,
        chunks: [],
      })),
    );
    expect(store.sourcesUnder('/docs')).toEqual(['/docs', '/docs/a.md', '/docs/sub/b.md']);
    expect(store.sourcesUnder('/do%s')).toEqual(['/do%s/d.md']);
    expect(store.sourcesUnder('/docs/a.md')).toEqual(['/docs/a.md']);
  });

  it('refuses another model or width with RAG_INDEX_MISMATCH until cleared', () => {
    store.ensureIndex({ model: 'm', dimensions: 2 });
    store.ensureIndex({ model: 'm', dimensions: 2 });
    store.replaceSources([
      { path: '/a', sha256: '1', mtimeMs: 1, size: 1, chunks: [chunk('a', unit([1, 0]))] },
    ]);
    for (const wanted of [
      { model: 'm', dimensions: 3 },
      { model: 'other', dimensions: 2 },
    ]) {
      const error = (() => {
        try {
          store.ensureIndex(wanted);
        } catch (caught) {
          return caught;
        }
      })();
      expect(RagIndexError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({
        code: 'RAG_INDEX_MISMATCH',
        indexModel: 'm',
        indexDimensions: 2,
        model: wanted.model,
        dimensions: wanted.dimensions,
        hint: expect.stringContaining('rebuild'),
      });
    }
    expect(() => store.query(unit([1, 0, 0]), 1)).toThrow(/2 dimensions/);
    expect(() =>
      store.replaceSources([
        { path: '/b', sha256: '1', mtimeMs: 1, size: 1, chunks: [chunk('b', unit([1, 0, 0]))] },
      ]),
    ).toThrow(RagIndexError);
    expect(store.source('/b')).toBeUndefined();

    store.clear();
    expect(store.stats()).toEqual({ sources: 0, chunks: 0, index: undefined });
    store.ensureIndex({ model: 'other', dimensions: 3 });
    store.replaceSources([
      { path: '/b', sha256: '1', mtimeMs: 1, size: 1, chunks: [chunk('b', unit([1, 0, 0]))] },
    ]);
    expect(store.query(unit([1, 0, 0]), 1)[0]?.text).toBe('b');
  });

  it('refuses chunks before ensureIndex, and k outside 1..100', () => {
    expect(() =>
      store.replaceSources([
        { path: '/a', sha256: '1', mtimeMs: 1, size: 1, chunks: [chunk('a', unit([1, 0]))] },
      ]),
    ).toThrow(/ensureIndex/);
    store.ensureIndex({ model: 'm', dimensions: 2 });
    for (const k of [0, RAG_MAX_K + 1, 1.5, Number.NaN])
      expect(() => store.query(unit([1, 0]), k)).toThrow(RangeError);
    expect(() => store.ensureIndex({ model: 'm', dimensions: 3 })).toThrow(RagIndexError);
  });

  it('keeps everything across a reopen, and refuses an index of another schema version', () => {
    store.ensureIndex({ model: 'm', dimensions: 2 });
    store.replaceSources([
      { path: '/a', sha256: '1', mtimeMs: 1, size: 1, chunks: [chunk('kept', unit([1, 0]))] },
    ]);
    store.close();
    store = createRagStore({ file });
    expect(store.query(unit([1, 0]), 1)[0]?.text).toBe('kept');
    store.close();

    const raw = new Database(file);
    raw.prepare("UPDATE rag_meta SET value = '99' WHERE key = 'schema_version'").run();
    raw.close();
    expect(() => createRagStore({ file, skill: 'rag_query' })).toThrow(
      expect.objectContaining({ code: 'RAG_INDEX_UNAVAILABLE', skill: 'rag_query' }),
    );
    store = createRagStore({ file: path.join(dir, 'fresh.db') });
  });
});
