import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTempHome, type TempHome } from '@biged/core/test';
import { createSkillFs, runSkill } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { embeddingRouter } from './internal/rag-test-helpers';
import { ragIngest } from './rag-ingest';
import { ragQuery } from './rag-query';

const TOPICS = [
  'The thermal policy lowers the model tier when the GPU temperature stays high.',
  'Backups copy fleet.db and rag.db into a dated folder every night.',
  'The dashboard streams task events over server-sent events with Last-Event-ID.',
  'Workers claim tasks in batches and renew their leases with heartbeats.',
  'Air-gap mode refuses every skill that is not on the allow-list.',
  'The conductor turns a sentence into a task with a JSON schema.',
  'Module bundles are verified with SHA-256 and ed25519 signatures.',
];

describe('rag_query', () => {
  let home: TempHome;
  let docs: string;

  beforeEach(async () => {
    home = createTempHome();
    docs = mkdtempSync(path.join(tmpdir(), 'biged-rag-query-'));
    // One topic per paragraph, far apart enough (chunk_size 100) that each is its own chunk.
    writeFileSync(path.join(docs, 'manual.md'), `${TOPICS.join('\n\n')}\n`);
  });
  afterEach(() => {
    home.cleanup();
    rmSync(docs, { recursive: true, force: true });
  });

  const ingest = () =>
    runSkill(
      ragIngest,
      { path: docs, chunk_size: 100, overlap: 0 },
      { home: home.home, readRoots: [docs], models: embeddingRouter().router },
    );

  it('returns the k nearest chunks, best first, with score, source, lines and text', async () => {
    const { result: ingested } = await ingest();
    expect(ingested.chunks).toBe(TOPICS.length);
    const { router, embedRequests } = embeddingRouter();
    const { result } = await runSkill(
      ragQuery,
      { query: 'what do workers renew with heartbeats?', k: 3 },
      { home: home.home, models: router },
    );
    expect(result).toMatchObject({
      query: 'what do workers renew with heartbeats?',
      model: 'tiny-embed',
      dims: 256,
    });
    expect(result.results).toHaveLength(3);
    expect(result.results[0]).toEqual({
      score: expect.any(Number),
      source: path.join(realpathSync(docs), 'manual.md'),
      start_line: 7,
      end_line: 7,
      text: TOPICS[3],
    });
    const scores = result.results.map((hit) => hit.score);
    expect([...scores].sort((left, right) => right - left)).toEqual(scores);
    expect(scores[0]).toBeGreaterThan(scores[1] as number);
    expect(scores.every((score) => score >= -1 && score <= 1)).toBe(true);
    expect(embedRequests()).toEqual([
      { model: 'tiny-embed', texts: ['what do workers renew with heartbeats?'] },
    ]);
  });

  it('sees what is ingested after an earlier query, and a rag.db replaced since', async () => {
    await ingest();
    const models = embeddingRouter().router;
    const ask = async (query: string) =>
      (await runSkill(ragQuery, { query, k: 1 }, { home: home.home, models })).result.results[0]?.text;
    expect(await ask('quarterly invoices for customers')).not.toMatch(/invoices/);
    writeFileSync(
      path.join(docs, 'billing.md'),
      'Quarterly invoices are sent to customers by the billing skill.\n',
    );
    await ingest();
    expect(await ask('quarterly invoices for customers')).toMatch(/^Quarterly invoices/);
    // A new file in its place (a restore, or a rebuild from scratch) is read, not the old one still open.
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${home.ragDb}${suffix}`, { force: true });
    rmSync(path.join(docs, 'billing.md'));
    writeFileSync(path.join(docs, 'manual.md'), 'Only this page about gardening remains.\n');
    await ingest();
    expect(await ask('quarterly invoices for customers')).toBe('Only this page about gardening remains.');
  });

  it('answers with the new model after a rebuild made by another connection', async () => {
    await ingest();
    await runSkill(ragQuery, { query: 'backups' }, { home: home.home, models: embeddingRouter().router });
    const other = embeddingRouter({ model: 'big-embed', dimensions: 128 });
    await runSkill(
      ragIngest,
      { path: docs, rebuild: true, chunk_size: 100, overlap: 0 },
      { home: home.home, readRoots: [docs], models: other.router },
    );
    const { result } = await runSkill(
      ragQuery,
      { query: 'nightly backups', k: 1 },
      { home: home.home, models: other.router },
    );
    expect(result).toMatchObject({ model: 'big-embed', dims: 128, results: [{ text: TOPICS[1] }] });
  });

  it('returns 5 chunks by default, and at most what the index holds', async () => {
    await ingest();
    const models = embeddingRouter().router;
    expect(
      (await runSkill(ragQuery, { query: 'backups' }, { home: home.home, models })).result.results,
    ).toHaveLength(5);
    expect(
      (await runSkill(ragQuery, { query: 'backups', k: 100 }, { home: home.home, models })).result.results,
    ).toHaveLength(TOPICS.length);
  });

  it('answers an empty or missing index with no results and no model call', async () => {
    const { router, embedRequests } = embeddingRouter();
    const { result } = await runSkill(ragQuery, { query: 'anything' }, { home: home.home, models: router });
    expect(result).toEqual({ query: 'anything', results: [], model: null, dims: null });
    // An index whose every file was empty holds sources but no vectors.
    writeFileSync(path.join(docs, 'manual.md'), '\n\n');
    await ingest();
    expect(
      (await runSkill(ragQuery, { query: 'anything' }, { home: home.home, models: router })).result.results,
    ).toEqual([]);
    expect(embedRequests()).toEqual([]);
  });

  it('refuses k out of range, an empty query and an oversized one', async () => {
    const models = embeddingRouter().router;
    for (const payload of [
      { query: 'x', k: 0 },
      { query: 'x', k: 101 },
      { query: 'x', k: 2.5 },
      { query: 'x', k: '5' },
      { query: '' },
      { query: '   ' },
      { query: 'x'.repeat(8001) },
      {},
      { query: 'x', model: 'other' },
    ]) {
      await expect(
        runSkill(ragQuery, payload as never, { home: home.home, models }),
        JSON.stringify(payload).slice(0, 60),
      ).rejects.toMatchObject({
        code: 'PAYLOAD_SCHEMA_MISMATCH',
      });
    }
  });

  it('refuses a query embedded by another model with RAG_INDEX_MISMATCH, naming both and the fix', async () => {
    await ingest();
    const other = embeddingRouter({ model: 'big-embed', dimensions: 128 });
    await expect(
      runSkill(ragQuery, { query: 'backups' }, { home: home.home, models: other.router }),
    ).rejects.toMatchObject({
      code: 'RAG_INDEX_MISMATCH',
      skill: 'rag_query',
      indexModel: 'tiny-embed',
      indexDimensions: 256,
      model: 'big-embed',
      dimensions: 128,
      message: expect.stringContaining('re-ingest'),
      hint: expect.stringContaining('"rebuild": true'),
    });
    // Same width, another model: still refused (the vectors would not be comparable).
    const renamed = embeddingRouter({ model: 'other-embed', dimensions: 256 });
    await expect(
      runSkill(ragQuery, { query: 'backups' }, { home: home.home, models: renamed.router }),
    ).rejects.toMatchObject({
      code: 'RAG_INDEX_MISMATCH',
    });
  });

  it('refuses a rag.db outside the readable roots, and needs a model router', async () => {
    await ingest();
    const outside = mkdtempSync(path.join(tmpdir(), 'biged-rag-elsewhere-'));
    try {
      const fs = createSkillFs({ readRoots: [outside], writeRoots: [outside] });
      await expect(
        runSkill(ragQuery, { query: 'backups' }, { home: home.home, fs, models: embeddingRouter().router }),
      ).rejects.toMatchObject({ code: 'FS_ACCESS_DENIED', access: 'read' });
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    await expect(runSkill(ragQuery, { query: 'backups' }, { home: home.home })).rejects.toMatchObject({
      code: 'SKILL_NO_MODEL_ROUTER',
    });
  });
});
