import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type BigedError, parseFleetConfig } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ResearchSourceError } from './errors/research-source-error';
import { sendJson, startTestServer, type TestServer } from './internal/http-test-server';
import { plainText, searchWeb, webSearch } from './web-search';

let home: TempHome;
let server: TestServer | undefined;

const SEARXNG_ANSWER = {
  query: 'sqlite wal mode',
  number_of_results: 0,
  results: [
    {
      url: 'https://sqlite.org/wal.html',
      title: 'Write-Ahead Logging',
      content:
        'The default method by which SQLite implements atomic commit and rollback is a rollback journal.',
      engine: 'duckduckgo',
      engines: ['duckduckgo', 'bing'],
      score: 2.5,
      category: 'general',
    },
    {
      url: 'https://www.example.org/wal',
      title: 'WAL &amp; you',
      engine: 'bing',
      engines: ['bing'],
      score: 1,
      category: 'general',
    },
    {
      url: 'https://sqlite.org/wal.html',
      title: 'Write-Ahead Logging (duplicate)',
      content: 'again',
      engine: 'bing',
    },
  ],
  answers: [],
  suggestions: [],
  unresponsive_engines: [],
};

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-24T10:30:00Z'));
  vi.stubEnv('BIGED_SEARXNG_URL', '');
  vi.stubEnv('BRAVE_API_KEY', '');
  vi.stubEnv('TAVILY_API_KEY', '');
  vi.stubEnv('BIGED_BRAVE_BASE_URL', '');
  vi.stubEnv('BIGED_TAVILY_BASE_URL', '');
  home = createTempHome();
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

describe('web_search', () => {
  it('asks SearXNG in its JSON format, keeps each URL once and writes the record', async () => {
    server = await startTestServer((_request, response) => sendJson(response, SEARXNG_ANSWER));
    vi.stubEnv('BIGED_SEARXNG_URL', `${server.baseUrl}/searx/`);
    const { result } = await runSkill(
      webSearch,
      { query: 'sqlite wal mode' },
      { home: home.home, task: { agent: 'researcher_1' } },
    );

    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.method).toBe('GET');
    expect(server.requests[0]?.url.pathname).toBe('/searx/search');
    expect(Object.fromEntries(server.requests[0]?.url.searchParams ?? [])).toEqual({
      q: 'sqlite wal mode',
      format: 'json',
    });
    const results = [
      {
        title: 'Write-Ahead Logging',
        url: 'https://sqlite.org/wal.html',
        snippet:
          'The default method by which SQLite implements atomic commit and rollback is a rollback journal.',
        source: 'duckduckgo',
      },
      { title: 'WAL & you', url: 'https://www.example.org/wal', snippet: '', source: 'bing' },
    ];
    const file = path.join(
      home.knowledge,
      'research',
      'web_search_sqlite-wal-mode_20261124_researcher_1.json',
    );
    expect(result).toEqual({ query: 'sqlite wal mode', backend: 'searxng', results, file });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      skill: 'web_search',
      query: 'sqlite wal mode',
      backend: 'searxng',
      date: '2026-11-24',
      agent: 'researcher_1',
      results,
    });
  });

  it('caps the results at max_results', async () => {
    server = await startTestServer((_request, response) => sendJson(response, SEARXNG_ANSWER));
    vi.stubEnv('BIGED_SEARXNG_URL', server.baseUrl);
    const { result } = await runSkill(webSearch, { query: 'wal', max_results: 1 }, { home: home.home });
    expect(result.results.map((hit) => hit.url)).toEqual(['https://sqlite.org/wal.html']);
  });

  it('asks Brave with the key header and strips its highlighting', async () => {
    server = await startTestServer((_request, response) =>
      sendJson(response, {
        type: 'search',
        query: { original: 'drizzle orm' },
        web: {
          type: 'search',
          results: [
            {
              title: '<strong>Drizzle</strong> ORM',
              url: 'https://orm.drizzle.team/',
              description: 'Headless TypeScript <strong>ORM</strong> with a head.',
              type: 'search_result',
              language: 'en',
            },
          ],
        },
      }),
    );
    vi.stubEnv('BRAVE_API_KEY', 'brave-secret');
    vi.stubEnv('BIGED_BRAVE_BASE_URL', server.baseUrl);
    const { result } = await runSkill(
      webSearch,
      { query: 'drizzle orm', max_results: 30 },
      { home: home.home },
    );

    const request = server.requests[0];
    expect(request?.url.pathname).toBe('/res/v1/web/search');
    expect(Object.fromEntries(request?.url.searchParams ?? [])).toEqual({ q: 'drizzle orm', count: '20' });
    expect(request?.headers['x-subscription-token']).toBe('brave-secret');
    expect(result.backend).toBe('brave');
    expect(result.results).toEqual([
      {
        title: 'Drizzle ORM',
        url: 'https://orm.drizzle.team/',
        snippet: 'Headless TypeScript ORM with a head.',
        source: 'brave',
      },
    ]);
  });

  it('gives no results, not an error, when Brave answers without a web section', async () => {
    server = await startTestServer((_request, response) => sendJson(response, { type: 'search', query: {} }));
    vi.stubEnv('BRAVE_API_KEY', 'k');
    vi.stubEnv('BIGED_BRAVE_BASE_URL', server.baseUrl);
    const { result } = await runSkill(webSearch, { query: 'nothing at all' }, { home: home.home });
    expect(result.results).toEqual([]);
  });

  it('posts to Tavily with a bearer key', async () => {
    server = await startTestServer((_request, response) =>
      sendJson(response, {
        query: 'hono',
        results: [{ title: 'Hono', url: 'https://hono.dev/', content: 'Web framework.', score: 0.9 }],
        response_time: 1.2,
      }),
    );
    vi.stubEnv('TAVILY_API_KEY', 'tvly-secret');
    vi.stubEnv('BIGED_TAVILY_BASE_URL', server.baseUrl);
    const { result } = await runSkill(webSearch, { query: 'hono', max_results: 3 }, { home: home.home });
    const request = server.requests[0];
    expect(request?.method).toBe('POST');
    expect(request?.url.pathname).toBe('/search');
    expect(request?.headers.authorization).toBe('Bearer tvly-secret');
    expect(JSON.parse(request?.body ?? '')).toEqual({ query: 'hono', max_results: 3 });
    expect(result.results).toEqual([
      { title: 'Hono', url: 'https://hono.dev/', snippet: 'Web framework.', source: 'tavily' },
    ]);
  });

  it('prefers SearXNG when several are configured, and honours an explicit backend', async () => {
    server = await startTestServer((request, response) =>
      request.url.pathname === '/search'
        ? sendJson(response, SEARXNG_ANSWER)
        : sendJson(response, { web: { results: [{ title: 'B', url: 'https://b.example/' }] } }),
    );
    vi.stubEnv('BIGED_SEARXNG_URL', server.baseUrl);
    vi.stubEnv('BRAVE_API_KEY', 'k');
    vi.stubEnv('BIGED_BRAVE_BASE_URL', server.baseUrl);
    expect((await runSkill(webSearch, { query: 'q' }, { home: home.home })).result.backend).toBe('searxng');
    const { result } = await runSkill(webSearch, { query: 'q', backend: 'brave' }, { home: home.home });
    expect(result.backend).toBe('brave');
    expect(result.results.map((hit) => hit.url)).toEqual(['https://b.example/']);
  });

  it('says which variables to set when no backend is configured', async () => {
    const error = await errorOf(runSkill(webSearch, { query: 'q' }, { home: home.home }));
    expect(ResearchSourceError.isInstance(error)).toBe(true);
    expect(error.code).toBe('RESEARCH_NOT_CONFIGURED');
    expect(error.message).toContain('BIGED_SEARXNG_URL');
    expect(error.message).toContain('BRAVE_API_KEY');
    expect(error.message).toContain('TAVILY_API_KEY');

    vi.stubEnv('BIGED_SEARXNG_URL', 'http://127.0.0.1:9');
    const tavily = await errorOf(runSkill(webSearch, { query: 'q', backend: 'tavily' }, { home: home.home }));
    expect(tavily.code).toBe('RESEARCH_NOT_CONFIGURED');
    expect(tavily.message).toContain('the tavily backend is not configured: set TAVILY_API_KEY');
  });

  it('refuses a SearXNG URL that is not http(s)', async () => {
    vi.stubEnv('BIGED_SEARXNG_URL', 'file:///etc/passwd');
    const error = await errorOf(runSkill(webSearch, { query: 'q' }, { home: home.home }));
    expect(error.code).toBe('RESEARCH_NOT_CONFIGURED');
    expect(error.message).toContain('BIGED_SEARXNG_URL must be an absolute http(s) URL');
  });

  it('refuses a payload that names an endpoint, and bad queries', async () => {
    for (const payload of [
      { query: 'q', endpoint: 'http://169.254.169.254/' },
      { query: '' },
      { query: '   ' },
      { query: 'x'.repeat(501) },
      { query: 'q', max_results: 0 },
      { query: 'q', max_results: 51 },
      { query: 'q', backend: 'google' },
    ]) {
      const error = await errorOf(runSkill(webSearch, payload as never, { home: home.home }));
      expect(error.code, JSON.stringify(payload)).toBe('PAYLOAD_SCHEMA_MISMATCH');
    }
  });

  it('reports malformed and misshapen bodies clearly and writes nothing', async () => {
    let body: string = 'not json {';
    server = await startTestServer((_request, response) => sendJson(response, body));
    vi.stubEnv('BIGED_SEARXNG_URL', server.baseUrl);
    const malformed = await errorOf(runSkill(webSearch, { query: 'q' }, { home: home.home }));
    expect(malformed.code).toBe('RESEARCH_BAD_RESPONSE');
    expect(malformed.message).toContain('not JSON');

    body = JSON.stringify({ results: [{ title: 'no url' }] });
    const misshapen = await errorOf(runSkill(webSearch, { query: 'q' }, { home: home.home }));
    expect(misshapen.code).toBe('RESEARCH_BAD_RESPONSE');
    expect(misshapen.message).toContain('results[0].url');
    expect(readdirOrEmpty(path.join(home.knowledge, 'research'))).toEqual([]);
  });

  it('turns an HTTP error into RESEARCH_HTTP_ERROR with the status and a hint for bad keys', async () => {
    server = await startTestServer((_request, response) => sendJson(response, { error: 'bad token' }, 401));
    vi.stubEnv('BRAVE_API_KEY', 'wrong');
    vi.stubEnv('BIGED_BRAVE_BASE_URL', server.baseUrl);
    const error = await errorOf(runSkill(webSearch, { query: 'q' }, { home: home.home }));
    expect(ResearchSourceError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'RESEARCH_HTTP_ERROR', status: 401, source: 'brave' });
    expect(error.message).toContain('HTTP 401');
    expect(error.message).toContain('bad token');
    expect(error.message).not.toContain('wrong');
    expect(error.hint).toBe('check the brave API key');
  });

  it('keeps SearXNG credentials out of error messages', async () => {
    server = await startTestServer((_request, response) => sendJson(response, { error: 'nope' }, 500));
    vi.stubEnv('BIGED_SEARXNG_URL', server.baseUrl.replace('http://', 'http://user:hunter2@'));
    const error = await errorOf(runSkill(webSearch, { query: 'q' }, { home: home.home }));
    expect(error).toMatchObject({ code: 'RESEARCH_HTTP_ERROR', status: 500 });
    expect(server.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('user:hunter2').toString('base64')}`,
    );
    expect(error.message).not.toContain('hunter2');
  });

  it('reports a backend that cannot be reached', async () => {
    const closed = await startTestServer(() => {});
    await closed.close();
    vi.stubEnv('BIGED_SEARXNG_URL', closed.baseUrl);
    const error = await errorOf(runSkill(webSearch, { query: 'q' }, { home: home.home }));
    expect(error.code).toBe('RESEARCH_HTTP_ERROR');
    expect(error.message).toContain('could not reach searxng');
  });

  it('times out a backend that never answers', async () => {
    server = await startTestServer(() => {});
    const error = await errorOf(
      searchWeb({
        skill: 'web_search',
        query: 'q',
        maxResults: 5,
        signal: new AbortController().signal,
        env: { BIGED_SEARXNG_URL: server.baseUrl },
        timeoutMs: 200,
      }),
    );
    expect(error.code).toBe('RESEARCH_TIMEOUT');
    expect(error.message).toContain('did not answer');
  });

  it('is refused in offline and air-gap modes before any request', async () => {
    server = await startTestServer((_request, response) => sendJson(response, SEARXNG_ANSWER));
    vi.stubEnv('BIGED_SEARXNG_URL', server.baseUrl);
    for (const fleet of [{ offline_mode: true }, { air_gap_mode: true }]) {
      const config = parseFleetConfig({ fleet }).config;
      const error = await errorOf(runSkill(webSearch, { query: 'q' }, { home: home.home, config }));
      expect(error.code).toBe('SKILL_NETWORK_DISABLED');
    }
    expect(server.requests).toEqual([]);
  });
});

describe('plainText', () => {
  it('drops tags and decodes the common entities', () => {
    expect(plainText('<b>a</b> &amp; <i>b</i>\n &lt;c&gt; &quot;d&quot; &#39;e&#39;')).toBe(
      `a & b <c> "d" 'e'`,
    );
  });
});

function readdirOrEmpty(folder: string): string[] {
  return existsSync(folder) ? readdirSync(folder) : [];
}
