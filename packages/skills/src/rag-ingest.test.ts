import { mkdirSync, mkdtempSync, realpathSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createFileSystemGuard, parseFleetConfig } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { createSkillFs, runSkill, z } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { embeddingRouter } from './internal/rag-test-helpers';
import { ragIngest } from './rag-ingest';
import { ragQuery } from './rag-query';
import { createRagStore } from './rag-store';

const write = (root: string, files: Record<string, string | Buffer>) => {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(root, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
};

const GUIDE = [
  '# Deployment guide',
  '',
  'The supervisor restarts crashed workers after a short backoff.',
  'Thermal throttling lowers the model tier when the GPU runs hot.',
  '',
  '## Backups',
  '',
  'Backups copy fleet.db and rag.db into a dated folder every night.',
].join('\n');

const CODE = [
  'export function parseInvoice(text: string) {',
  '  return text.split(",");',
  '}',
  '',
  'export function renderChart(points: number[]) {',
  '  return points.map((point) => point * 2);',
  '}',
  '',
].join('\n');

describe('rag_ingest', () => {
  let home: TempHome;
  let docs: string;
  /** `docs` with symlinks resolved (macOS's /tmp is one): the paths the index stores. */
  let realDocs: string;

  beforeEach(() => {
    home = createTempHome();
    docs = mkdtempSync(path.join(tmpdir(), 'biged-rag-docs-'));
    realDocs = realpathSync(docs);
    write(docs, {
      'guide.md': GUIDE,
      'src/billing.ts': CODE,
      'notes/empty.txt': '',
      'image.png': Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      'data.txt': Buffer.from([0x61, 0x00, 0x62]),
      'node_modules/dep/index.js': 'export const thermal = 1;',
      'big.txt': 'word '.repeat(1000),
      'tool.exe.json': '{"ignored": true}',
    });
  });
  afterEach(() => {
    home.cleanup();
    rmSync(docs, { recursive: true, force: true });
  });

  const ingest = (payload: Record<string, unknown>, models = embeddingRouter().router) =>
    runSkill(ragIngest, { path: docs, ...payload } as never, { home: home.home, readRoots: [docs], models });

  it('chunks, embeds and stores a folder in <home>/rag.db, skipping binary, large and ignored files', async () => {
    const { router, embedRequests } = embeddingRouter();
    const { result } = await ingest({ max_file_bytes: 4000, batch_size: 2 }, router);
    expect(result).toMatchObject({
      root: realDocs,
      database: home.ragDb,
      files: 3,
      // image.png and tool.exe.json are not among the extensions read; data.txt holds a NUL byte.
      skipped: { unchanged: 0, tooLarge: 1, binary: 1, unreadable: 0 },
      removed: 0,
      truncated: false,
      model: 'tiny-embed',
      dims: 256,
    });
    expect(result.chunks).toBeGreaterThanOrEqual(2);
    expect(result.total).toEqual({ sources: 3, chunks: result.chunks });
    // Every chunk went through the router's default embedding model, two texts a call.
    const requests = embedRequests();
    expect(requests.every((request) => request.model === 'tiny-embed' && request.texts.length <= 2)).toBe(
      true,
    );
    expect(requests.flatMap((request) => request.texts)).toHaveLength(result.chunks);
    // Code is cut at blank-line blocks: the two functions are one chunk each at this size.
    const store = createRagStore({ file: home.ragDb });
    try {
      expect(store.source(path.join(realDocs, 'src/billing.ts'))).toMatchObject({ chunks: 1 });
      expect(store.source(path.join(realDocs, 'notes/empty.txt'))).toMatchObject({ chunks: 0, size: 0 });
      expect(store.sourcesUnder(realDocs).some((file) => file.includes('node_modules'))).toBe(false);
    } finally {
      store.close();
    }

    const { result: found } = await runSkill(
      ragQuery,
      { query: 'nightly backups of rag.db', k: 1 },
      { home: home.home, models: router },
    );
    expect(found.results).toEqual([
      expect.objectContaining({
        source: path.join(realDocs, 'guide.md'),
        text: expect.stringContaining('Backups copy fleet.db'),
      }),
    ]);
  });

  it('cuts code by blank-line blocks when the file is larger than a chunk', async () => {
    const { result } = await ingest({ chunk_size: 100, overlap: 0, extensions: ['.TS'] });
    expect(result).toMatchObject({ files: 1, chunks: 2 });
    const { result: found } = await runSkill(
      ragQuery,
      { query: 'renderChart points', k: 2 },
      { home: home.home, models: embeddingRouter().router },
    );
    expect(found.results[0]).toMatchObject({
      start_line: 5,
      end_line: 7,
      text: expect.stringMatching(/^export function renderChart/),
    });
    expect(found.results[1]).toMatchObject({ start_line: 1, end_line: 3 });
  });

  it('re-ingesting unchanged files is a no-op that calls no model', async () => {
    const first = await ingest({});
    const { router, embedRequests } = embeddingRouter();
    const { result } = await ingest({}, router);
    expect(result).toMatchObject({
      files: 0,
      chunks: 0,
      removed: 0,
      skipped: { unchanged: 4 },
      model: 'tiny-embed',
      dims: 256,
    });
    expect(embedRequests()).toEqual([]);
    expect(result.total).toEqual(first.result.total);
  });

  it('replaces the chunks of a changed file and deletes those of a removed one', async () => {
    const first = await ingest({});
    write(docs, { 'guide.md': '# Deployment guide\n\nWorkers now report their heartbeat every second.\n' });
    unlinkSync(path.join(docs, 'src/billing.ts'));
    const { router, embedRequests } = embeddingRouter();
    const { result } = await ingest({}, router);
    expect(result).toMatchObject({ files: 1, chunks: 1, removed: 1, skipped: { unchanged: 2 } });
    expect(embedRequests().flatMap((request) => request.texts)).toEqual([
      '# Deployment guide\n\nWorkers now report their heartbeat every second.',
    ]);
    expect(result.total.sources).toBe(first.result.total.sources - 1);
    const { result: found } = await runSkill(
      ragQuery,
      { query: 'backups fleet.db nightly', k: 10 },
      { home: home.home, models: router },
    );
    expect(found.results.map((hit) => hit.text).join('\n')).not.toMatch(/Backups copy|parseInvoice/);
    expect(found.results.map((hit) => hit.text)).toContain(
      '# Deployment guide\n\nWorkers now report their heartbeat every second.',
    );
  });

  it('ingests one file, whatever its extension', async () => {
    write(docs, { README: 'plain words about thermal limits\n' });
    const { result } = await runSkill(
      ragIngest,
      { path: path.join(docs, 'README') },
      { home: home.home, readRoots: [docs], models: embeddingRouter().router },
    );
    expect(result).toMatchObject({ files: 1, chunks: 1, removed: 0, total: { sources: 1, chunks: 1 } });
    const { result: image } = await runSkill(
      ragIngest,
      { path: path.join(docs, 'image.png') },
      { home: home.home, readRoots: [docs], models: embeddingRouter().router },
    );
    expect(image).toMatchObject({ files: 0, skipped: { binary: 1 }, total: { sources: 1 } });
  });

  it('stops at max_files and then removes nothing', async () => {
    await ingest({});
    const { result } = await ingest({ max_files: 1 });
    expect(result).toMatchObject({ truncated: true, removed: 0, total: { sources: 4 } });
  });

  it('refuses oversized and malformed payloads before touching anything', async () => {
    for (const payload of [
      { chunk_size: 100_000 },
      { chunk_size: 50 },
      { overlap: 1500, chunk_size: 1500 },
      { batch_size: 0 },
      { batch_size: 10_000 },
      { max_files: 1_000_000 },
      { max_file_bytes: 64 * 1024 * 1024 },
      { extensions: Array.from({ length: 101 }, (_, index) => `e${index}`) },
      { extensions: ['../etc'] },
      { extensions: [] },
      { path: 'x'.repeat(5000) },
      { path: '' },
      { glob: '**/*.md' },
    ]) {
      await expect(ingest(payload), JSON.stringify(payload).slice(0, 80)).rejects.toMatchObject({
        code: 'PAYLOAD_SCHEMA_MISMATCH',
      });
    }
    expect(statSync(home.ragDb, { throwIfNoEntry: false })).toBeUndefined();
  });

  it('its payload converts to a JSON schema (the conductor offers it to the model)', () => {
    const schema = z.toJSONSchema(ragIngest.payload, { io: 'input' }) as {
      required?: string[];
      properties: object;
    };
    expect(schema.required).toEqual(['path']);
    expect(Object.keys(schema.properties)).toContain('chunk_size');
  });

  it('refuses a folder outside the readable zones, and a rag.db outside the writable ones', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'biged-rag-outside-'));
    try {
      write(outside, { 'secret.md': 'do not index' });
      const config = parseFleetConfig({
        filesystem: { zones: { docs: { path: docs, access: 'read' } }, enterprise: { enforce: true } },
      }).config;
      const fsGuard = createFileSystemGuard({ config, home: home.home });
      const models = embeddingRouter().router;
      await expect(
        runSkill(ragIngest, { path: outside }, { home: home.home, config, fsGuard, models }),
      ).rejects.toMatchObject({
        code: 'FS_ZONE_DENIED',
      });
      // Inside the zone it works.
      const { result } = await runSkill(
        ragIngest,
        { path: docs },
        { home: home.home, config, fsGuard, models },
      );
      expect(result.files).toBe(4);

      // A guard that lets the skill read the folder but write nowhere near rag.db.
      const fs = createSkillFs({ readRoots: [docs, home.home], writeRoots: [outside] });
      await expect(
        runSkill(ragIngest, { path: docs }, { home: home.home, fs, models }),
      ).rejects.toMatchObject({
        code: 'FS_ACCESS_DENIED',
        access: 'write',
      });
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('refuses another embedding model with RAG_INDEX_MISMATCH until rebuilt', async () => {
    await ingest({});
    write(docs, { 'new.md': 'a new page about schedules' });
    const other = embeddingRouter({ model: 'big-embed', dimensions: 32 });
    await expect(ingest({}, other.router)).rejects.toMatchObject({
      code: 'RAG_INDEX_MISMATCH',
      indexModel: 'tiny-embed',
      indexDimensions: 256,
      model: 'big-embed',
      dimensions: 32,
      message: expect.stringMatching(
        /built with embedding model "tiny-embed" \(256 dimensions\).*"big-embed" \(32 dimensions\)/,
      ),
      hint: expect.stringContaining('"rebuild": true'),
    });
    // Nothing of the refused run was stored.
    const store = createRagStore({ file: home.ragDb });
    try {
      expect(store.source(path.join(realDocs, 'new.md'))).toBeUndefined();
      expect(store.info()).toEqual({ model: 'tiny-embed', dimensions: 256 });
    } finally {
      store.close();
    }
    const { result } = await ingest({ rebuild: true }, other.router);
    expect(result).toMatchObject({ files: 5, model: 'big-embed', dims: 32, total: { sources: 5 } });
  });

  it('refuses embeddings of the wrong count, width or value with RAG_EMBEDDING_INVALID and stores nothing', async () => {
    const answers = [
      (texts: string[]) => texts.slice(1).map(() => [1, 0]),
      (texts: string[]) => texts.map((_, index) => (index === 0 ? [1, 0] : [1, 0, 0])),
      (texts: string[]) => texts.map(() => [0, 0]),
      (texts: string[]) => texts.map(() => [Number.NaN, 1]),
      (texts: string[]) => texts.map(() => []),
    ];
    for (const make of answers) {
      const bad = embeddingRouter({
        answer: (request) => ({
          embeddings: make(request.texts),
          usage: { inputTokens: 0 },
          model: request.model,
        }),
      });
      await expect(ingest({}, bad.router)).rejects.toMatchObject({
        code: 'RAG_EMBEDDING_INVALID',
        skill: 'rag_ingest',
      });
    }
    const store = createRagStore({ file: home.ragDb });
    try {
      expect(store.stats()).toEqual({ sources: 0, chunks: 0, index: undefined });
    } finally {
      store.close();
    }
  });

  it('needs a model router', async () => {
    await expect(
      runSkill(ragIngest, { path: docs }, { home: home.home, readRoots: [docs] }),
    ).rejects.toMatchObject({
      code: 'SKILL_NO_MODEL_ROUTER',
    });
  });
});
