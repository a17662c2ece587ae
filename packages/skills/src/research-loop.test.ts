import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type BigedError, parseFleetConfig } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { sendJson, startTestServer, type TestServer } from './internal/http-test-server';
import { answer, scriptedRouter } from './internal/model-test-helpers';
import {
  RESEARCH_LOOP_SYSTEM_PROMPT,
  researchLoop,
  researchLoopAssessmentSchema,
  researchLoopQueriesSchema,
  researchLoopSearch,
} from './research-loop';

let home: TempHome;
let server: TestServer;
let results: Record<string, unknown[]>;

const hit = (title: string, url: string, content: string) => ({
  title,
  url,
  content,
  engine: 'duckduckgo',
});

/** A structured model answer (the mock provider hands `json` back like a real structured-output call). */
const structured = (value: unknown) => answer(JSON.stringify(value), { input: 20, output: 10 }, value);

/** Exactly what packages/queue/src/hitl.ts builds for a `more_info` answer. */
const HITL_PAYLOAD = {
  question: 'Which region should we deploy to?',
  context: { options: ['eu', 'us'] },
  response: 'compare latency per region',
  hitl_request_id: 7,
};

beforeEach(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-12-01T09:00:00Z'));
  vi.stubEnv('BRAVE_API_KEY', '');
  vi.stubEnv('TAVILY_API_KEY', '');
  home = createTempHome();
  results = {
    'latency eu': [hit('EU latency report', 'https://eu.example/latency', 'Median 18 ms from Paris.')],
    'latency us': [
      hit('US latency report', 'https://us.example/latency', 'Median 95 ms from Paris.'),
      hit('EU latency report', 'https://eu.example/latency', 'duplicate'),
    ],
    'cdn pops eu': [hit('CDN map', 'https://cdn.example/map', '40 EU points of presence.')],
  };
  server = await startTestServer((request, response) =>
    sendJson(response, { results: results[request.url.searchParams.get('q') ?? ''] ?? [] }),
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

const queriesSent = () => server.requests.map((request) => request.url.searchParams.get('q'));
const ANSWER = 'Deploy to the EU: 18 ms median [1] against 95 ms [2], with 40 local PoPs [3].';

describe('research_loop on the web', () => {
  it('plans queries, searches, asks for follow-ups, searches again and writes a cited answer', async () => {
    const models = scriptedRouter([
      structured({ queries: ['latency eu', 'latency us'] }),
      // "latency us" already ran: only the new query runs in round 2.
      structured({ answered: false, follow_up_queries: ['latency us', 'cdn pops eu'] }),
      answer(ANSWER, { input: 300, output: 60 }),
    ]);
    const { result } = await runSkill(researchLoop, HITL_PAYLOAD, {
      models: models.router,
      home: home.home,
      task: { agent: 'researcher' },
    });

    expect(queriesSent()).toEqual(['latency eu', 'latency us', 'cdn pops eu']);
    const file = path.join(
      home.knowledge,
      'research',
      'which-region-should-we-deploy-to_20261201_researcher.md',
    );
    const sources = [
      {
        title: 'EU latency report',
        url: 'https://eu.example/latency',
        snippet: 'Median 18 ms from Paris.',
        source: 'duckduckgo',
      },
      {
        title: 'US latency report',
        url: 'https://us.example/latency',
        snippet: 'Median 95 ms from Paris.',
        source: 'duckduckgo',
      },
      {
        title: 'CDN map',
        url: 'https://cdn.example/map',
        snippet: '40 EU points of presence.',
        source: 'duckduckgo',
      },
    ];
    expect(result).toEqual({
      question: 'Which region should we deploy to?',
      answer: ANSWER,
      sources,
      rounds: 2,
      queries: ['latency eu', 'latency us', 'cdn pops eu'],
      search: { source: 'web', backend: 'searxng' },
      file,
      model: 'tiny',
      provider: 'local',
      tokens: { input: 340, output: 80 },
      hitl_request_id: 7,
    });

    const [plan, assess, write] = models.requests();
    expect(models.requests()).toHaveLength(3);
    for (const request of [plan, assess, write]) expect(request?.system).toBe(RESEARCH_LOOP_SYSTEM_PROMPT);
    // Structured output: the two planning calls send a JSON schema, the answer does not.
    expect(plan?.json).toMatchObject({ type: 'object', required: ['queries'] });
    expect(assess?.json).toMatchObject({ type: 'object', required: ['answered', 'follow_up_queries'] });
    expect(write?.json).toBeUndefined();
    expect(plan?.prompt).toContain('<question>\nWhich region should we deploy to?\n</question>');
    expect(plan?.prompt).toContain('<context>\n{"options":["eu","us"]}\n</context>');
    expect(plan?.prompt).toContain('<reviewer_request>\ncompare latency per region\n</reviewer_request>');
    expect(plan?.prompt).toContain('a web search engine');
    expect(assess?.prompt).toContain(
      '[2] US latency report\nhttps://us.example/latency\nMedian 95 ms from Paris.',
    );
    expect(write?.prompt).toContain('[3] CDN map\nhttps://cdn.example/map\n40 EU points of presence.');

    const markdown = readFileSync(file, 'utf8');
    expect(markdown).toBe(
      [
        '# Research: Which region should we deploy to?',
        '',
        '- Date: 2026-12-01',
        '- Agent: researcher',
        '- Model: local/tiny',
        '- Searched: web (searxng)',
        '- Rounds: 2',
        '- Queries: "latency eu", "latency us", "cdn pops eu"',
        '- HITL request: 7',
        '',
        '## Question',
        '',
        'Which region should we deploy to?',
        '',
        '## Reviewer request',
        '',
        'compare latency per region',
        '',
        '## Answer',
        '',
        ANSWER,
        '',
        '## Sources',
        '',
        '1. [EU latency report](https://eu.example/latency)',
        '2. [US latency report](https://us.example/latency)',
        '3. [CDN map](https://cdn.example/map)',
        '',
      ].join('\n'),
    );
  });

  it('stops as soon as the model says the findings answer the question', async () => {
    const models = scriptedRouter([
      structured({ queries: ['latency eu'] }),
      structured({ answered: true, follow_up_queries: [] }),
      answer(ANSWER),
    ]);
    const { result } = await runSkill(
      researchLoop,
      { question: 'EU latency?', max_rounds: 5, results_per_query: 1 },
      { models: models.router, home: home.home },
    );
    expect(result.rounds).toBe(1);
    expect(queriesSent()).toEqual(['latency eu']);
    expect(server.requests[0]?.url.searchParams.get('format')).toBe('json');
    expect(models.requests()).toHaveLength(3);
    expect(result.hitl_request_id).toBeNull();
  });

  it('stops when the follow-up queries were all run already, and with one round asks no assessment', async () => {
    const repeat = scriptedRouter([
      structured({ queries: ['latency eu'] }),
      structured({ answered: false, follow_up_queries: ['Latency EU'] }),
      answer(ANSWER),
    ]);
    const first = await runSkill(
      researchLoop,
      { question: 'EU?', max_rounds: 4 },
      { models: repeat.router, home: home.home },
    );
    expect(first.result.rounds).toBe(1);
    expect(repeat.requests()).toHaveLength(3);

    const single = scriptedRouter([structured({ queries: ['latency us'] }), answer(ANSWER)]);
    const second = await runSkill(
      researchLoop,
      { question: 'US?', max_rounds: 1 },
      { models: single.router, home: home.home },
    );
    expect(second.result.rounds).toBe(1);
    expect(single.requests()).toHaveLength(2);
    expect(queriesSent()).toEqual(['latency eu', 'latency us']);
  });

  it('passes a search failure on and writes nothing', async () => {
    await server.close();
    server = await startTestServer((_request, response) => sendJson(response, '<html>oops</html>'));
    vi.stubEnv('BIGED_SEARXNG_URL', server.baseUrl);
    const models = scriptedRouter([structured({ queries: ['latency eu'] }), answer('never used')]);
    const error = await errorOf(
      runSkill(researchLoop, HITL_PAYLOAD, { models: models.router, home: home.home }),
    );
    expect(error.code).toBe('RESEARCH_BAD_RESPONSE');
    expect(models.requests()).toHaveLength(1);
    expect(existsSync(path.join(home.knowledge, 'research'))).toBe(false);
  });
});

describe('research_loop without the web', () => {
  beforeEach(() => {
    mkdirSync(path.join(home.knowledge, 'notes'), { recursive: true });
    writeFileSync(
      path.join(home.knowledge, 'notes', 'regions.md'),
      '# Regions\nEU latency from Paris is 18 ms median.\nUS latency from Paris is 95 ms median.\nUnrelated line.\n',
    );
  });

  it('offline: searches knowledge/ instead of the web, and says so', async () => {
    const models = scriptedRouter([structured({ queries: ['EU latency'] }), answer('EU is faster [1].')]);
    const config = parseFleetConfig({ fleet: { offline_mode: true } }).config;
    const { result } = await runSkill(
      researchLoop,
      { ...HITL_PAYLOAD, max_rounds: 1, results_per_query: 2 },
      { models: models.router, home: home.home, config, task: { agent: 'researcher' } },
    );
    expect(server.requests).toEqual([]);
    expect(result.search).toEqual({ source: 'knowledge', reason: 'offline' });
    expect(result.sources).toEqual([
      {
        title: 'notes/regions.md line 2',
        url: 'knowledge/notes/regions.md#L2',
        snippet: 'EU latency from Paris is 18 ms median.',
        source: 'knowledge',
      },
      {
        title: 'notes/regions.md line 3',
        url: 'knowledge/notes/regions.md#L3',
        snippet: 'US latency from Paris is 95 ms median.',
        source: 'knowledge',
      },
    ]);
    const [plan, write] = models.requests();
    expect(plan?.prompt).toContain('keyword (BM25) search over local notes');
    expect(write?.prompt).toContain('[1] notes/regions.md line 2\nknowledge/notes/regions.md#L2\nEU latency');
    const markdown = readFileSync(result.file, 'utf8');
    expect(markdown).toContain('- Searched: knowledge/ files (offline mode)');
    expect(markdown).toContain('1. `knowledge/notes/regions.md#L2`: EU latency from Paris is 18 ms median.');
  });

  it('air-gap mode (with research_loop allowed) and no configured backend also fall back', async () => {
    const airGap = parseFleetConfig({
      fleet: { air_gap_mode: true, air_gap_skills: ['research_loop'] },
    }).config;
    const models = scriptedRouter([structured({ queries: ['US latency'] }), answer('95 ms [1].')]);
    const { result } = await runSkill(
      researchLoop,
      { question: 'US latency?', max_rounds: 1 },
      { models: models.router, home: home.home, config: airGap },
    );
    expect(result.search).toEqual({ source: 'knowledge', reason: 'air-gap' });
    expect(result.sources[0]?.url).toBe('knowledge/notes/regions.md#L3');

    vi.stubEnv('BIGED_SEARXNG_URL', '');
    const unconfigured = scriptedRouter([structured({ queries: ['US latency'] }), answer('95 ms [1].')]);
    const second = await runSkill(
      researchLoop,
      { question: 'US latency?', max_rounds: 1 },
      { models: unconfigured.router, home: home.home },
    );
    expect(second.result.search).toEqual({ source: 'knowledge', reason: 'no-backend' });
    expect(readFileSync(second.result.file, 'utf8')).toContain(
      '- Searched: knowledge/ files (no web search backend configured)',
    );
    expect(server.requests).toEqual([]);
  });

  it('nothing found: no answer call, the file says so (also for the hitl payload with null fields)', async () => {
    const models = scriptedRouter([
      structured({ queries: ['kubernetes quota'] }),
      structured({ answered: false, follow_up_queries: ['helm chart'] }),
    ]);
    const config = parseFleetConfig({ fleet: { offline_mode: true } }).config;
    const { result } = await runSkill(
      researchLoop,
      { question: 'Quota?', context: null, response: null, hitl_request_id: 3 },
      { models: models.router, home: home.home, config },
    );
    expect(result.sources).toEqual([]);
    expect(result.rounds).toBe(2);
    expect(result.queries).toEqual(['kubernetes quota', 'helm chart']);
    expect(result.answer).toBe(
      'The research found no sources for this question (searched knowledge/ files (offline mode); queries: "kubernetes quota", "helm chart"), so it cannot answer it.',
    );
    expect(models.requests()).toHaveLength(2);
    const markdown = readFileSync(result.file, 'utf8');
    expect(markdown).toContain('## Sources\n\n(none)\n');
    expect(markdown).not.toContain('## Reviewer request');
  });
});

describe('research_loop refusals', () => {
  it('validates the payload', async () => {
    const models = scriptedRouter([]);
    for (const payload of [
      {},
      { question: '' },
      { question: '   ' },
      { question: 'x'.repeat(4001) },
      { question: 'q', context: ['not', 'an', 'object'] },
      { question: 'q', context: 'text' },
      { question: 'q', context: { blob: 'x'.repeat(64 * 1024) } },
      { question: 'q', response: 'x'.repeat(8 * 1024 + 1) },
      { question: 'q', response: 42 },
      { question: 'q', hitl_request_id: 0 },
      { question: 'q', max_rounds: 0 },
      { question: 'q', max_rounds: 6 },
      { question: 'q', results_per_query: 21 },
      { question: 'q', endpoint: 'http://127.0.0.1/' },
    ]) {
      const error = await errorOf(
        runSkill(researchLoop, payload as never, { models: models.router, home: home.home }),
      );
      expect(error.code, JSON.stringify(payload).slice(0, 80)).toBe('PAYLOAD_SCHEMA_MISMATCH');
    }
    expect(models.requests()).toEqual([]);
    expect(server.requests).toEqual([]);
  });

  it('needs a model router, checked before any search', async () => {
    const error = await errorOf(runSkill(researchLoop, HITL_PAYLOAD, { home: home.home }));
    expect(error.code).toBe('SKILL_NO_MODEL_ROUTER');
    expect(server.requests).toEqual([]);
  });

  it('a malformed plan or assessment is SKILL_MODEL_OUTPUT_INVALID, naming the field, with nothing written', async () => {
    const noQueries = scriptedRouter([structured({ queries: [] })]);
    const first = await errorOf(
      runSkill(researchLoop, HITL_PAYLOAD, { models: noQueries.router, home: home.home }),
    );
    expect(first.code).toBe('SKILL_MODEL_OUTPUT_INVALID');
    expect(first.message).toContain('queries');
    expect(server.requests).toEqual([]);

    const badAssessment = scriptedRouter([
      structured({ queries: ['latency eu'] }),
      structured({ answered: 'maybe', follow_up_queries: [] }),
    ]);
    const second = await errorOf(
      runSkill(researchLoop, HITL_PAYLOAD, { models: badAssessment.router, home: home.home }),
    );
    expect(second.code).toBe('SKILL_MODEL_OUTPUT_INVALID');
    expect(second.message).toContain('answered');
    expect(existsSync(path.join(home.knowledge, 'research'))).toBe(false);
  });

  it('is not a network skill: it runs offline, and the schemas it asks for are strict', () => {
    expect(researchLoop.requiresNetwork).toBe(false);
    expect(researchLoop.roles).toContain('researcher');
    const defaults = parseFleetConfig({}).config;
    // It never reaches the web in air-gap mode, so the default allow-list has it (hitl more-info works there).
    expect(defaults.fleet.air_gap_skills).toContain('research_loop');
    expect(researchLoopSearch(defaults, {})).toEqual({ source: 'knowledge', reason: 'no-backend' });
    expect(researchLoopSearch(defaults, { BRAVE_API_KEY: 'k' })).toEqual({ source: 'web' });
    expect(researchLoopQueriesSchema.safeParse({ queries: ['a', 'b', 'c', 'd'] }).success).toBe(false);
    expect(
      researchLoopAssessmentSchema.safeParse({ answered: true, follow_up_queries: [], extra: 1 }).success,
    ).toBe(false);
  });
});
