import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type BigedError, parseFleetConfig } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sendJson, startTestServer, type TestServer } from './internal/http-test-server';
import { answer, scriptedRouter } from './internal/model-test-helpers';
import { LEAD_RESEARCH_SYSTEM_PROMPT, leadResearch, leadResearchQueries } from './lead-research';

let home: TempHome;
let server: TestServer;
let answers: Record<string, unknown[]>;

const hit = (title: string, url: string, content: string, engine = 'duckduckgo') => ({
  title,
  url,
  content,
  engine,
  engines: [engine],
  score: 1,
  category: 'general',
});

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-11-24T10:30:00Z'));
  vi.stubEnv('BRAVE_API_KEY', '');
  vi.stubEnv('TAVILY_API_KEY', '');
  home = createTempHome();
  answers = {
    '"Acme Widgets"': [
      hit('Acme Widgets - Home', 'https://acme.example/', 'Acme makes industrial widgets.'),
      hit('Acme Widgets raises Series B', 'https://news.example/acme-b', 'Acme raised $20M.', 'bing'),
    ],
    '"Acme Widgets" data platform': [
      hit('Acme Widgets - Home', 'https://acme.example/', 'duplicate'),
      hit('Acme hiring data engineers', 'https://jobs.example/acme', 'Three data engineering roles.'),
    ],
    'site:acme.example': [hit('About Acme', 'https://acme.example/about', 'Founded 1999 in Ohio.')],
  };
  server = await startTestServer((request, response) =>
    sendJson(response, {
      query: request.url.searchParams.get('q'),
      results: answers[request.url.searchParams.get('q') ?? ''] ?? [],
    }),
  );
  vi.stubEnv('BIGED_SEARXNG_URL', server.baseUrl);
});

afterEach(async () => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  await server.close();
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

const BRIEF = '## Overview\n\nAcme makes industrial widgets [1] and raised a Series B [2].';

describe('lead_research', () => {
  it('searches, asks the model with numbered sources, and writes the brief to knowledge/leads', async () => {
    const models = scriptedRouter([answer(BRIEF, { input: 300, output: 40 })]);
    const { result, spawned } = await runSkill(
      leadResearch,
      {
        company: 'Acme Widgets',
        website: 'https://acme.example/home',
        focus: 'data platform',
        max_words: 200,
      },
      { models: models.router, home: home.home, task: { agent: 'sales_1' } },
    );

    expect(server.requests.map((request) => request.url.searchParams.get('q'))).toEqual([
      '"Acme Widgets"',
      '"Acme Widgets" data platform',
      'site:acme.example',
    ]);
    expect(spawned).toEqual([]);
    const sources = [
      {
        title: 'Acme Widgets - Home',
        url: 'https://acme.example/',
        snippet: 'Acme makes industrial widgets.',
        source: 'duckduckgo',
      },
      {
        title: 'Acme Widgets raises Series B',
        url: 'https://news.example/acme-b',
        snippet: 'Acme raised $20M.',
        source: 'bing',
      },
      {
        title: 'Acme hiring data engineers',
        url: 'https://jobs.example/acme',
        snippet: 'Three data engineering roles.',
        source: 'duckduckgo',
      },
      {
        title: 'About Acme',
        url: 'https://acme.example/about',
        snippet: 'Founded 1999 in Ohio.',
        source: 'duckduckgo',
      },
    ];
    const file = path.join(home.knowledge, 'leads', 'acme-widgets_20261124_sales_1.md');
    expect(result).toEqual({
      company: 'Acme Widgets',
      file,
      sources,
      queries: ['"Acme Widgets"', '"Acme Widgets" data platform', 'site:acme.example'],
      backend: 'searxng',
      model: 'tiny',
      provider: 'local',
      tokens: { input: 300, output: 40 },
    });

    const [request] = models.requests();
    expect(models.requests()).toHaveLength(1);
    expect(request?.system).toBe(LEAD_RESEARCH_SYSTEM_PROMPT);
    expect(request?.maxOutputTokens).toBe(400);
    expect(request?.prompt).toContain(
      'Write a lead brief about the company Acme Widgets (website: https://acme.example/home) in at most 200 words. Focus on: data platform.',
    );
    expect(request?.prompt).toContain(
      '[1] Acme Widgets - Home\nhttps://acme.example/\nAcme makes industrial widgets.',
    );
    expect(request?.prompt).toContain('[4] About Acme\nhttps://acme.example/about\nFounded 1999 in Ohio.');

    expect(readFileSync(file, 'utf8')).toBe(
      [
        '# Lead brief: Acme Widgets',
        '',
        '- Website: https://acme.example/home',
        '- Focus: data platform',
        '- Date: 2026-11-24',
        '- Agent: sales_1',
        '- Model: local/tiny',
        '- Search: searxng',
        '',
        BRIEF,
        '',
        '## Sources',
        '',
        '1. [Acme Widgets - Home](https://acme.example/)',
        '2. [Acme Widgets raises Series B](https://news.example/acme-b)',
        '3. [Acme hiring data engineers](https://jobs.example/acme)',
        '4. [About Acme](https://acme.example/about)',
        '',
      ].join('\n'),
    );
  });

  it('uses a news search when no website is given', () => {
    expect(leadResearchQueries({ company: ' Big "Co" ' })).toEqual([
      '"Big Co"',
      '"Big Co" products services customers',
      '"Big Co" news',
    ]);
  });

  it('fails with RESEARCH_NO_RESULTS, without a model call, when the searches find nothing', async () => {
    const models = scriptedRouter([answer('never used')]);
    const error = await errorOf(
      runSkill(leadResearch, { company: 'Nobody Inc' }, { models: models.router, home: home.home }),
    );
    expect(error.code).toBe('RESEARCH_NO_RESULTS');
    expect(error.message).toContain('Nobody Inc');
    expect(models.requests()).toEqual([]);
    expect(existsSync(path.join(home.knowledge, 'leads'))).toBe(false);
  });

  it('needs a model router, and checks it before searching', async () => {
    const error = await errorOf(runSkill(leadResearch, { company: 'Acme Widgets' }, { home: home.home }));
    expect(error.code).toBe('SKILL_NO_MODEL_ROUTER');
    expect(server.requests).toEqual([]);
  });

  it('passes a search failure on and writes nothing', async () => {
    await server.close();
    server = await startTestServer((_request, response) => sendJson(response, '<html>oops</html>'));
    vi.stubEnv('BIGED_SEARXNG_URL', server.baseUrl);
    const models = scriptedRouter([answer('never used')]);
    const error = await errorOf(
      runSkill(leadResearch, { company: 'Acme Widgets' }, { models: models.router, home: home.home }),
    );
    expect(error.code).toBe('RESEARCH_BAD_RESPONSE');
    expect(models.requests()).toEqual([]);
  });

  it('validates the payload', async () => {
    const models = scriptedRouter([]);
    for (const payload of [
      {},
      { company: '' },
      { company: '  ' },
      { company: 'x'.repeat(201) },
      { company: 'A', website: 'ftp://acme.example' },
      { company: 'A', website: 'not a url' },
      { company: 'A', endpoint: 'http://127.0.0.1/' },
    ]) {
      const error = await errorOf(
        runSkill(leadResearch, payload as never, { models: models.router, home: home.home }),
      );
      expect(error.code, JSON.stringify(payload)).toBe('PAYLOAD_SCHEMA_MISMATCH');
    }
  });

  it('is refused offline', async () => {
    const models = scriptedRouter([]);
    const config = parseFleetConfig({ fleet: { offline_mode: true } }).config;
    const error = await errorOf(
      runSkill(leadResearch, { company: 'Acme' }, { models: models.router, home: home.home, config }),
    );
    expect(error.code).toBe('SKILL_NETWORK_DISABLED');
    expect(server.requests).toEqual([]);
  });
});
