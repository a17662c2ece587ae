import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type BigedError, parseFleetConfig } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ARXIV_ID_PATTERN, arxivFetch, arxivSearchQuery, parseArxivFeed } from './arxiv-fetch';
import { ResearchSourceError } from './errors/research-source-error';
import { startTestServer, type TestServer } from './internal/http-test-server';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
const FEED = fixture('arxiv-query.atom.xml');
const ERROR_FEED = fixture('arxiv-error.atom.xml');

let home: TempHome;
let server: TestServer | undefined;
let body = FEED;

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-24T10:30:00Z'));
  home = createTempHome();
  body = FEED;
  server = await startTestServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
    response.end(body);
  });
  vi.stubEnv('BIGED_ARXIV_BASE_URL', server.baseUrl);
});

afterEach(async () => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  await server?.close();
  server = undefined;
  home.cleanup();
});

const errorOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as BigedError;
  }
  throw new Error('expected a rejection');
};

const ATTENTION = {
  id: '1706.03762v7',
  title: 'Attention Is All You Need',
  summary:
    'The dominant sequence transduction models are based on complex recurrent or convolutional neural networks ' +
    'in an encoder-decoder configuration. We propose a new simple network architecture, the Transformer, ' +
    'based solely on attention mechanisms & dispensing with recurrence and convolutions entirely.',
  authors: ['Ashish Vaswani', 'Noam Shazeer', 'Niki Parmar'],
  published: '2017-06-12T17:57:34Z',
  updated: '2023-08-02T00:41:18Z',
  pdf_url: 'http://arxiv.org/pdf/1706.03762v7',
  primary_category: 'cs.CL',
  categories: ['cs.CL', 'cs.LG'],
};

describe('arxiv_fetch', () => {
  it('queries the arXiv API, parses the Atom feed and writes the record', async () => {
    const { result } = await runSkill(
      arxivFetch,
      { query: 'attention transformer', max_results: 2, sort: 'submittedDate' },
      { home: home.home, task: { agent: 'researcher_1' } },
    );

    expect(server?.requests).toHaveLength(1);
    const request = server?.requests[0];
    expect(request?.url.pathname).toBe('/api/query');
    expect(Object.fromEntries(request?.url.searchParams ?? [])).toEqual({
      search_query: 'all:attention AND all:transformer',
      start: '0',
      max_results: '2',
      sortBy: 'submittedDate',
      sortOrder: 'descending',
    });
    const file = path.join(
      home.knowledge,
      'research',
      'arxiv_attention-transformer_20261124_researcher_1.json',
    );
    expect(result.file).toBe(file);
    expect(result.total_results).toBe(41237);
    expect(result.entries).toEqual([
      ATTENTION,
      {
        id: 'hep-th/9901001v1',
        title: 'A Single-Author Paper With a Wrapped Title',
        summary: 'Short abstract.',
        authors: ['Jane Doe'],
        published: '1999-01-04T10:00:00Z',
        updated: '1999-01-04T10:00:00Z',
        pdf_url: 'http://arxiv.org/pdf/hep-th/9901001v1',
        primary_category: 'hep-th',
        categories: ['hep-th'],
      },
    ]);
    const record = JSON.parse(readFileSync(file, 'utf8'));
    expect(record).toMatchObject({
      skill: 'arxiv_fetch',
      query: 'attention transformer',
      ids: [],
      sort: 'submittedDate',
      date: '2026-11-24',
      agent: 'researcher_1',
      total_results: 41237,
    });
    expect(record.entries[0]).toEqual(ATTENTION);
  });

  it('fetches by id list and keeps no more than max_results entries', async () => {
    const { result } = await runSkill(
      arxivFetch,
      { ids: ['1706.03762', 'hep-th/9901001v1'], max_results: 1 },
      { home: home.home },
    );
    const params = Object.fromEntries(server?.requests[0]?.url.searchParams ?? []);
    expect(params.id_list).toBe('1706.03762,hep-th/9901001v1');
    expect(params.search_query).toBeUndefined();
    expect(params.sortBy).toBe('relevance');
    expect(result.entries.map((entry) => entry.id)).toEqual(['1706.03762v7']);
    expect(result.ids).toEqual(['1706.03762', 'hep-th/9901001v1']);
    expect(path.basename(result.file)).toBe('arxiv_1706-03762-hep-th-9901001v1_20261124_local.json');
  });

  it('returns no entries for an empty feed', async () => {
    body = FEED.replace(/<entry>[\s\S]*<\/entry>/, '').replace('>41237<', '>0<');
    const { result } = await runSkill(arxivFetch, { query: 'ti:nothingmatches' }, { home: home.home });
    expect(result.total_results).toBe(0);
    expect(result.entries).toEqual([]);
  });

  it('turns an arXiv error entry into RESEARCH_API_ERROR and writes nothing', async () => {
    body = ERROR_FEED;
    const error = await errorOf(runSkill(arxivFetch, { ids: ['1234.12345'] }, { home: home.home }));
    expect(ResearchSourceError.isInstance(error)).toBe(true);
    expect(error.code).toBe('RESEARCH_API_ERROR');
    expect(error.message).toContain('incorrect id format for 1234.1234567');
    expect(
      existsSync(path.join(home.knowledge, 'research'))
        ? readdirSync(path.join(home.knowledge, 'research'))
        : [],
    ).toEqual([]);
  });

  it('reports malformed XML with its position', async () => {
    body = FEED.replace('</summary>', '');
    const error = await errorOf(runSkill(arxivFetch, { query: 'q' }, { home: home.home }));
    expect(error.code).toBe('RESEARCH_BAD_RESPONSE');
    expect(error.message).toMatch(/malformed XML \(line \d+, column \d+/);
  });

  it('reports XML that is not an arXiv feed, and entries missing fields', async () => {
    body = '<?xml version="1.0"?><html><body>Service unavailable</body></html>';
    const notFeed = await errorOf(runSkill(arxivFetch, { query: 'q' }, { home: home.home }));
    expect(notFeed.code).toBe('RESEARCH_BAD_RESPONSE');
    expect(notFeed.message).toContain('not an arXiv Atom feed');

    body = FEED.replace('<published>2017-06-12T17:57:34Z</published>', '');
    const missing = await errorOf(runSkill(arxivFetch, { query: 'q' }, { home: home.home }));
    expect(missing.code).toBe('RESEARCH_BAD_RESPONSE');
    expect(missing.message).toContain('entry[0].published');
  });

  it('passes HTTP errors on as RESEARCH_HTTP_ERROR', async () => {
    await server?.close();
    server = await startTestServer((_request, response) => {
      response.writeHead(503, { 'content-type': 'text/plain' });
      response.end('Rate exceeded.');
    });
    vi.stubEnv('BIGED_ARXIV_BASE_URL', server.baseUrl);
    const error = await errorOf(runSkill(arxivFetch, { query: 'q' }, { home: home.home }));
    expect(error).toMatchObject({ code: 'RESEARCH_HTTP_ERROR', status: 503, source: 'arxiv' });
    expect(error.message).toContain('Rate exceeded.');
  });

  it('validates the payload', async () => {
    for (const payload of [
      {},
      { query: ' ' },
      { ids: [] },
      { ids: ['not-an-id'] },
      { ids: ['1706.03762/../x'] },
      { query: 'q', max_results: 101 },
      { query: 'q', sort: 'lastUpdatedDate' },
      { query: 'q', base_url: 'http://127.0.0.1:1/' },
    ]) {
      const error = await errorOf(runSkill(arxivFetch, payload as never, { home: home.home }));
      expect(error.code, JSON.stringify(payload)).toBe('PAYLOAD_SCHEMA_MISMATCH');
    }
    expect(server?.requests).toEqual([]);
  });

  it('is refused offline before any request', async () => {
    const config = parseFleetConfig({ fleet: { offline_mode: true } }).config;
    const error = await errorOf(runSkill(arxivFetch, { query: 'q' }, { home: home.home, config }));
    expect(error.code).toBe('SKILL_NETWORK_DISABLED');
    expect(server?.requests).toEqual([]);
  });
});

describe('arxiv helpers', () => {
  it('builds search queries and recognises ids', () => {
    expect(arxivSearchQuery('  graph  neural ')).toBe('all:graph AND all:neural');
    expect(arxivSearchQuery('ti:transformer AND cat:cs.CL')).toBe('ti:transformer AND cat:cs.CL');
    for (const id of ['2101.00001', '2101.0001v3', 'hep-th/9901001', 'math.GT/0309136v2', 'cond-mat/0102536'])
      expect(ARXIV_ID_PATTERN.test(id), id).toBe(true);
    for (const id of ['2101.001', '210.00001', 'hep-th/990100', '../etc/passwd', '2101.00001 OR x'])
      expect(ARXIV_ID_PATTERN.test(id), id).toBe(false);
  });

  it('parses a feed given directly', () => {
    const { total, entries } = parseArxivFeed(FEED, { skill: 'x', url: 'u' });
    expect(total).toBe(41237);
    expect(entries[0]).toEqual(ATTENTION);
  });
});
