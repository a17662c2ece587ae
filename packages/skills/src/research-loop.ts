import { defineSkill, type SkillContext, z } from '@biged/skill-sdk';
import {
  createModelAsker,
  isoDate,
  knowledgeFile,
  requireModels,
  slugify,
  type TokenTotals,
  tokensForWords,
} from './internal/model-skill';
import { askStructured } from './internal/structured-answer';
import { knowledgeSearch } from './knowledge-search';
import { searchWeb, WEB_SEARCH_ENV, type WebSearchBackend, type WebSearchHit } from './web-search';

// NOTE: the payload is what packages/queue/src/hitl.ts builds for a `more_info` answer
// ({ question, context, response, hitl_request_id }); the limits below mirror the queue's HITL limits
// (HITL_MAX_QUESTION_LENGTH, HITL_MAX_CONTEXT_BYTES, HITL_MAX_RESPONSE_BYTES). Keep them in sync.

/** Where research answers go, under `<home>/knowledge`. */
export const RESEARCH_LOOP_FOLDER = 'research';

/** Longest `question`, in characters (the queue's HITL question limit). */
export const RESEARCH_LOOP_MAX_QUESTION_LENGTH = 4000;

/** Largest `context`, in bytes of UTF-8 JSON (the queue's HITL context limit). */
export const RESEARCH_LOOP_MAX_CONTEXT_BYTES = 64 * 1024;

/** Longest `response` (the human's words), in bytes of UTF-8 (the queue's HITL response limit). */
export const RESEARCH_LOOP_MAX_RESPONSE_BYTES = 8 * 1024;

/** Most search queries the model may propose per round. */
export const RESEARCH_LOOP_MAX_QUERIES = 3;

/** At most this many distinct sources are kept over all rounds (and shown to the model). */
export const RESEARCH_LOOP_MAX_SOURCES = 20;

/** Length of the answer the model is asked for, in words. */
export const RESEARCH_LOOP_ANSWER_WORDS = 500;

/** Characters of `context` (as JSON) shown to the model; the rest is cut. */
export const RESEARCH_LOOP_CONTEXT_CHARS = 4000;

/** The system prompt of every `research_loop` call. */
export const RESEARCH_LOOP_SYSTEM_PROMPT =
  'You are a careful research assistant. You plan short search queries, judge whether numbered findings ' +
  'answer a question, and write answers that use only those findings, citing them as [1], [2]. Say plainly ' +
  'when the findings do not tell.';

/** Where a `research_loop` searched: the web, or the fleet's knowledge files (and why). */
export type ResearchLoopSearch =
  | { source: 'web'; backend: WebSearchBackend }
  | {
      source: 'knowledge';
      /** Why not the web: offline mode, air-gap mode, or no search backend configured. */
      reason: 'offline' | 'air-gap' | 'no-backend';
    };

/**
 * One source: a web result as `searchWeb` gives it, or a knowledge line as
 * `{ title: '<path> line <n>', url: 'knowledge/<path>#L<n>', snippet, source: 'knowledge' }`.
 */
export type ResearchLoopSource = WebSearchHit;

/** What `research_loop` returns (the waiting task gets it as its HITL answer's `followUpResult`). */
export interface ResearchLoopResult {
  /** The question researched. */
  question: string;
  /** The cited answer (markdown, sources as `[n]`). */
  answer: string;
  /** The sources, in citation order (`[1]` is the first). */
  sources: ResearchLoopSource[];
  /** Search rounds run (1..`max_rounds`). */
  rounds: number;
  /** Every query run, in order. */
  queries: string[];
  /** Where the searches ran. */
  search: ResearchLoopSearch;
  /** The answer file, absolute: `<home>/knowledge/research/<slug>_<YYYYMMDD>_<agent>.md`. */
  file: string;
  /** The model of the last call. */
  model: string;
  /** Its provider. */
  provider: string;
  /** Tokens of all calls. */
  tokens: TokenTotals;
  /** The HITL request this research answers, when it came from `biged hitl more-info`. */
  hitl_request_id: number | null;
}

const nonBlank = (value: string) => value.trim() !== '';

const payloadSchema = z.strictObject({
  /** What to find out: the waiting skill's question. */
  question: z.string().min(1).max(RESEARCH_LOOP_MAX_QUESTION_LENGTH).refine(nonBlank, 'is blank'),
  /** What the asking skill attached (a JSON object); `null` for none. */
  context: z
    .record(z.string(), z.unknown())
    .nullish()
    .refine(
      (context) =>
        context == null ||
        Buffer.byteLength(JSON.stringify(context), 'utf8') <= RESEARCH_LOOP_MAX_CONTEXT_BYTES,
      `is over ${RESEARCH_LOOP_MAX_CONTEXT_BYTES} bytes as JSON`,
    ),
  /** The human's words (`biged hitl more-info --question`): what to find out first. `null` for none. */
  response: z
    .string()
    .nullish()
    .refine(
      (response) =>
        response == null || Buffer.byteLength(response, 'utf8') <= RESEARCH_LOOP_MAX_RESPONSE_BYTES,
      `is over ${RESEARCH_LOOP_MAX_RESPONSE_BYTES} bytes`,
    ),
  /** The HITL request answered. */
  hitl_request_id: z.number().int().positive().nullish(),
  /** Most search rounds. Default 2. */
  max_rounds: z.number().int().min(1).max(5).default(2),
  /** Results taken from each query. Default 5. */
  results_per_query: z.number().int().min(1).max(20).default(5),
});

const queryField = () => z.string().trim().min(1).max(300);

/** What the model answers when asked for queries (round 1). */
export const researchLoopQueriesSchema = z.strictObject({
  queries: z.array(queryField()).min(1).max(RESEARCH_LOOP_MAX_QUERIES),
});

/** What the model answers when asked whether the findings answer the question. */
export const researchLoopAssessmentSchema = z.strictObject({
  answered: z.boolean(),
  follow_up_queries: z.array(queryField()).max(RESEARCH_LOOP_MAX_QUERIES),
});

/** Where `research_loop` searches under `config`: the web when allowed and configured, else knowledge/. */
export function researchLoopSearch(
  config: SkillContext['config'],
  env: Readonly<Record<string, string | undefined>> = process.env,
): { source: 'web' } | Extract<ResearchLoopSearch, { source: 'knowledge' }> {
  if (config.fleet.air_gap_mode) return { source: 'knowledge', reason: 'air-gap' };
  if (config.fleet.offline_mode) return { source: 'knowledge', reason: 'offline' };
  const configured = [WEB_SEARCH_ENV.searxng, WEB_SEARCH_ENV.brave_key, WEB_SEARCH_ENV.tavily_key].some(
    (key) => env[key]?.trim(),
  );
  // Which backend is known once searchWeb answers (it picks the first configured one).
  return configured ? { source: 'web' } : { source: 'knowledge', reason: 'no-backend' };
}

const REASONS = {
  offline: 'offline mode',
  'air-gap': 'air-gap mode',
  'no-backend': 'no web search backend configured',
} as const;

function describeSearch(search: ResearchLoopSearch): string {
  return search.source === 'web' ? `web (${search.backend})` : `knowledge/ files (${REASONS[search.reason]})`;
}

function numbered(sources: readonly ResearchLoopSource[]): string {
  return sources
    .map(
      (source, index) => `[${index + 1}] ${source.title}\n${source.url}\n${source.snippet || '(no extract)'}`,
    )
    .join('\n\n');
}

/**
 * `research_loop`: researches a question in rounds. The model proposes search queries (structured output),
 * they run through `searchWeb` (or, offline / in air-gap mode / with no search backend configured, through
 * `knowledge_search` over `knowledge/`), the model judges whether the findings answer the question and
 * proposes follow-up queries if not (up to `max_rounds`), then writes a cited answer to
 * `knowledge/research/<slug>_<date>_<agent>.md`. `biged hitl more-info` creates these tasks; the waiting
 * task re-runs with the result. Needs a model router; not `requiresNetwork`, as it works without the web.
 */
export const researchLoop = defineSkill({
  name: 'research_loop',
  description:
    'Researches a question in rounds (model-planned searches on the web, or in knowledge/ when offline, then ' +
    'a check whether the findings answer it) and writes a cited answer to knowledge/research/; returns ' +
    '{ answer, sources, rounds, file, model }.',
  payload: payloadSchema,
  timeoutMs: 15 * 60_000,
  roles: ['researcher'],
  async run(payload, ctx): Promise<ResearchLoopResult> {
    requireModels(ctx, 'research_loop');
    const date = new Date();
    const question = payload.question.trim();
    const planned = researchLoopSearch(ctx.config);
    let backend: WebSearchBackend | undefined;
    const where =
      planned.source === 'web'
        ? 'a web search engine'
        : 'a keyword (BM25) search over local notes and reports: use a few distinctive words per query';

    const context =
      payload.context == null ? '' : JSON.stringify(payload.context).slice(0, RESEARCH_LOOP_CONTEXT_CHARS);
    const response = payload.response?.trim() ?? '';
    const brief =
      `<question>\n${question}\n</question>` +
      (context ? `\n<context>\n${context}\n</context>` : '') +
      (response ? `\n<reviewer_request>\n${response}\n</reviewer_request>` : '');

    const { tally, ask } = createModelAsker(ctx, 'research_loop');
    ctx.signal.throwIfAborted();
    const first = await askStructured({
      skill: 'research_loop',
      ask,
      schema: researchLoopQueriesSchema,
      request: {
        system: RESEARCH_LOOP_SYSTEM_PROMPT,
        prompt:
          `Plan up to ${RESEARCH_LOOP_MAX_QUERIES} search queries that would find what is needed to answer the ` +
          `question below${response ? ', following the reviewer\u2019s request' : ''}. The queries go to ${where}.\n\n${brief}`,
        temperature: 0.2,
      },
    });

    const sources: ResearchLoopSource[] = [];
    const seenUrls = new Set<string>();
    const queries: string[] = [];
    const ran = new Set<string>();
    let next = first.value.queries;
    let rounds = 0;
    while (next.length > 0 && rounds < payload.max_rounds) {
      rounds += 1;
      for (const query of next) {
        ran.add(query.toLowerCase());
        queries.push(query);
        ctx.signal.throwIfAborted();
        let hits: ResearchLoopSource[];
        if (planned.source === 'web') {
          const found = await searchWeb({
            skill: 'research_loop',
            query,
            maxResults: payload.results_per_query,
            signal: ctx.signal,
          });
          backend = found.backend;
          hits = found.results;
        } else {
          const found = await knowledgeSearch.run({ query, limit: payload.results_per_query }, ctx);
          hits = found.matches.map((match) => ({
            title: `${match.path} line ${match.line}`,
            url: `knowledge/${match.path}#L${match.line}`,
            snippet: match.snippet,
            source: 'knowledge',
          }));
        }
        for (const hit of hits) {
          if (seenUrls.has(hit.url) || sources.length >= RESEARCH_LOOP_MAX_SOURCES) continue;
          seenUrls.add(hit.url);
          sources.push(hit);
        }
      }
      if (rounds >= payload.max_rounds || sources.length >= RESEARCH_LOOP_MAX_SOURCES) break;
      ctx.signal.throwIfAborted();
      const assessment = await askStructured({
        skill: 'research_loop',
        ask,
        schema: researchLoopAssessmentSchema,
        request: {
          system: RESEARCH_LOOP_SYSTEM_PROMPT,
          prompt:
            'Do the findings below answer the question? Answer "answered": true if they do. If not, give up to ' +
            `${RESEARCH_LOOP_MAX_QUERIES} new "follow_up_queries" for ${where} that would fill the gaps ` +
            `(not one of: ${queries.map((query) => JSON.stringify(query)).join(', ')}).\n\n${brief}\n\n` +
            `<findings>\n${sources.length > 0 ? numbered(sources) : '(nothing found)'}\n</findings>`,
          temperature: 0.2,
        },
      });
      if (assessment.value.answered) break;
      next = [...new Set(assessment.value.follow_up_queries)].filter(
        (query) => !ran.has(query.toLowerCase()),
      );
    }
    // Round 1 always runs (the model proposes at least one query), so a web plan has met its backend.
    const search: ResearchLoopSearch =
      planned.source === 'web' ? { source: 'web', backend: backend as WebSearchBackend } : planned;

    let answerText: string;
    if (sources.length === 0) {
      // Nothing to cite: say so instead of letting the model answer from memory.
      answerText =
        `The research found no sources for this question (searched ${describeSearch(search)}; queries: ` +
        `${queries.map((query) => JSON.stringify(query)).join(', ')}), so it cannot answer it.`;
    } else {
      ctx.signal.throwIfAborted();
      const written = await ask({
        system: RESEARCH_LOOP_SYSTEM_PROMPT,
        prompt:
          `Answer the question below in at most ${RESEARCH_LOOP_ANSWER_WORDS} words, in markdown, without ` +
          'preamble, using only the numbered findings and citing them by number.' +
          (response ? ' Address the reviewer\u2019s request.' : '') +
          `\n\n${brief}\n\n<findings>\n${numbered(sources)}\n</findings>`,
        maxOutputTokens: tokensForWords(RESEARCH_LOOP_ANSWER_WORDS),
        temperature: 0.3,
      });
      answerText = written.text.trim();
    }
    const last = tally.last;
    const model = last?.model ?? 'unknown';
    const provider = last?.provider ?? 'unknown';

    const file = knowledgeFile(ctx, { folder: RESEARCH_LOOP_FOLDER, stem: slugify(question), date });
    const markdown = [
      `# Research: ${question.split('\n')[0]?.slice(0, 200)}`,
      '',
      `- Date: ${isoDate(date)}`,
      `- Agent: ${ctx.task.agent}`,
      `- Model: ${provider}/${model}`,
      `- Searched: ${describeSearch(search)}`,
      `- Rounds: ${rounds}`,
      `- Queries: ${queries.map((query) => JSON.stringify(query)).join(', ')}`,
      ...(payload.hitl_request_id == null ? [] : [`- HITL request: ${payload.hitl_request_id}`]),
      '',
      '## Question',
      '',
      question,
      '',
      ...(response ? ['## Reviewer request', '', response, ''] : []),
      '## Answer',
      '',
      answerText,
      '',
      '## Sources',
      '',
      ...(sources.length === 0
        ? ['(none)']
        : sources.map((source, index) =>
            source.source === 'knowledge'
              ? `${index + 1}. \`${source.url}\`: ${source.snippet}`
              : `${index + 1}. [${source.title.replace(/[[\]]/g, '')}](${source.url})`,
          )),
      '',
    ].join('\n');
    ctx.signal.throwIfAborted();
    await ctx.fs.writeFile(file, markdown);
    ctx.log.info('research_loop: answer written', {
      file,
      rounds,
      sources: sources.length,
      search: search.source,
    });
    return {
      question,
      answer: answerText,
      sources,
      rounds,
      queries,
      search,
      file,
      model,
      provider,
      tokens: { ...tally.tokens },
      hitl_request_id: payload.hitl_request_id ?? null,
    };
  },
});
