import { defineSkill, z } from '@biged/skill-sdk';
import { ResearchSourceError } from './errors/research-source-error';
import {
  envUrl,
  fetchText,
  joinUrl,
  type ResearchEnv,
  researchFile,
  withoutCredentials,
} from './internal/http';
import { describeIssues, isoDate, slugify } from './internal/model-skill';

/** The search backends `web_search` can use. */
export const WEB_SEARCH_BACKENDS = ['searxng', 'brave', 'tavily'] as const;

/** A search backend. */
export type WebSearchBackend = (typeof WEB_SEARCH_BACKENDS)[number];

/** Where search records go, under `<home>/knowledge`. */
export const WEB_SEARCH_FOLDER = 'research';

/**
 * The environment variables `web_search` reads. `searxng`, `brave_key` and `tavily_key` configure a backend;
 * `brave_base` and `tavily_base` replace the providers' API hosts and exist for tests and egress proxies
 * only (never a payload field: a payload must not choose where the worker sends requests).
 */
export const WEB_SEARCH_ENV = {
  searxng: 'BIGED_SEARXNG_URL',
  brave_key: 'BRAVE_API_KEY',
  tavily_key: 'TAVILY_API_KEY',
  brave_base: 'BIGED_BRAVE_BASE_URL',
  tavily_base: 'BIGED_TAVILY_BASE_URL',
} as const;

/** Brave's and Tavily's API hosts when the `*_BASE_URL` hooks are unset. */
export const WEB_SEARCH_DEFAULT_BASE_URLS = {
  brave: 'https://api.search.brave.com',
  tavily: 'https://api.tavily.com',
} as const;

/** Brave and Tavily return at most 20 results a request; `max_results` above that is capped for them. */
export const WEB_SEARCH_PROVIDER_MAX_RESULTS = 20;

/** One search result. */
export interface WebSearchHit {
  /** The page title. */
  title: string;
  /** The page URL. */
  url: string;
  /** A short extract (HTML tags removed); empty when the backend gave none. */
  snippet: string;
  /** Where the result came from: the SearXNG engine (`duckduckgo`, ...), or `brave` / `tavily`. */
  source: string;
}

/** Options for `searchWeb`. */
export interface SearchWebOptions {
  /** The skill asking (errors name it). */
  skill: string;
  /** The query. */
  query: string;
  /** At most this many results. */
  maxResults: number;
  /** Which backend; default the first configured of searxng, brave, tavily. */
  backend?: WebSearchBackend | undefined;
  /** The task's signal. */
  signal: AbortSignal;
  /** Where settings come from. Default `process.env`. */
  env?: ResearchEnv;
  /** Time limit of the request. Default 30 s. */
  timeoutMs?: number;
}

/** What `searchWeb` resolves with. */
export interface SearchWebResult {
  /** The backend that answered. */
  backend: WebSearchBackend;
  /** Results, in the backend's order, at most `maxResults`, each URL once. */
  results: WebSearchHit[];
}

const searxngResponse = z.object({
  results: z.array(
    z.object({
      title: z.string(),
      url: z.string().min(1),
      content: z.string().nullish(),
      engine: z.string().nullish(),
    }),
  ),
});

const braveResponse = z.object({
  web: z
    .object({
      results: z.array(
        z.object({ title: z.string(), url: z.string().min(1), description: z.string().nullish() }),
      ),
    })
    .optional(),
});

const tavilyResponse = z.object({
  results: z.array(z.object({ title: z.string(), url: z.string().min(1), content: z.string().nullish() })),
});

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  '#39': "'",
  '#x27': "'",
  nbsp: ' ',
};

/** Removes HTML tags (Brave marks matches with `<strong>`) and the common entities, collapses white space. */
export function plainText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|#x27|nbsp);/g, (_, entity: string) => ENTITIES[entity] ?? '')
    .replace(/\s+/g, ' ')
    .trim();
}

function configuredBackends(env: ResearchEnv): WebSearchBackend[] {
  const configured: WebSearchBackend[] = [];
  if (env[WEB_SEARCH_ENV.searxng]?.trim()) configured.push('searxng');
  if (env[WEB_SEARCH_ENV.brave_key]?.trim()) configured.push('brave');
  if (env[WEB_SEARCH_ENV.tavily_key]?.trim()) configured.push('tavily');
  return configured;
}

const SETTING: Record<WebSearchBackend, string> = {
  searxng: `${WEB_SEARCH_ENV.searxng} (your SearXNG instance, e.g. http://127.0.0.1:8888, with format=json enabled)`,
  brave: `${WEB_SEARCH_ENV.brave_key} (a Brave Search API key)`,
  tavily: `${WEB_SEARCH_ENV.tavily_key} (a Tavily API key)`,
};

function notConfigured(skill: string, backend: WebSearchBackend | undefined): ResearchSourceError {
  const message = backend
    ? `${skill}: the ${backend} backend is not configured: set ${SETTING[backend]} in the worker's environment`
    : `${skill}: no search backend is configured: set one of ${WEB_SEARCH_BACKENDS.map((name) => SETTING[name]).join(', ')} in the worker's environment`;
  return new ResearchSourceError({
    code: 'RESEARCH_NOT_CONFIGURED',
    skill,
    ...(backend ? { source: backend } : {}),
    message,
    hint: `set ${backend ? SETTING[backend].split(' ')[0] : WEB_SEARCH_ENV.searxng} and restart the fleet`,
  });
}

function parseJson<T>(skill: string, source: string, url: string, text: string, schema: z.ZodType<T>): T {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new ResearchSourceError({
      code: 'RESEARCH_BAD_RESPONSE',
      skill,
      source,
      url,
      cause: error,
      message: `${skill}: ${source} answered ${url} with a body that is not JSON: ${text.slice(0, 120).replace(/\s+/g, ' ')}`,
    });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ResearchSourceError({
      code: 'RESEARCH_BAD_RESPONSE',
      skill,
      source,
      url,
      cause: parsed.error,
      message: `${skill}: ${source} answered ${url} with JSON in an unexpected shape:\n${describeIssues(
        parsed.error,
      )
        .map((line) => `  - ${line}`)
        .join('\n')}`,
    });
  }
  return parsed.data;
}

/**
 * Runs one web search on the configured backend (the engine behind `web_search`, also used by
 * `lead_research`). Settings come from `env` (see `WEB_SEARCH_ENV`): SearXNG at `BIGED_SEARXNG_URL`
 * (`GET <url>/search?q=...&format=json`), Brave with `BRAVE_API_KEY` (`GET /res/v1/web/search`, key in
 * `X-Subscription-Token`), Tavily with `TAVILY_API_KEY` (`POST /search`, key as a bearer token). Rejects
 * with `ResearchSourceError` (`RESEARCH_NOT_CONFIGURED`, `RESEARCH_HTTP_ERROR`, `RESEARCH_TIMEOUT`,
 * `RESEARCH_BAD_RESPONSE`).
 */
export async function searchWeb(options: SearchWebOptions): Promise<SearchWebResult> {
  const { skill, query, maxResults, signal } = options;
  const env = options.env ?? process.env;
  const backend = options.backend ?? configuredBackends(env)[0];
  if (backend === undefined || !configuredBackends(env).includes(backend))
    throw notConfigured(skill, options.backend);
  const timeoutMs = options.timeoutMs;
  let hits: WebSearchHit[];

  if (backend === 'searxng') {
    const base = envUrl(env, WEB_SEARCH_ENV.searxng, skill) as URL;
    const url = joinUrl(base, 'search');
    url.searchParams.set('q', query);
    url.searchParams.set('format', 'json');
    const shown = withoutCredentials(url);
    const text = await fetchText({
      skill,
      source: backend,
      url,
      headers: { accept: 'application/json' },
      signal,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    hits = parseJson(skill, backend, shown, text, searxngResponse).results.map((result) => ({
      title: plainText(result.title),
      url: result.url,
      snippet: plainText(result.content ?? ''),
      source: result.engine ?? 'searxng',
    }));
  } else if (backend === 'brave') {
    const base = envUrl(env, WEB_SEARCH_ENV.brave_base, skill) ?? new URL(WEB_SEARCH_DEFAULT_BASE_URLS.brave);
    const url = joinUrl(base, 'res/v1/web/search');
    url.searchParams.set('q', query);
    url.searchParams.set('count', String(Math.min(maxResults, WEB_SEARCH_PROVIDER_MAX_RESULTS)));
    const shown = withoutCredentials(url);
    const text = await fetchText({
      skill,
      source: backend,
      url,
      headers: {
        accept: 'application/json',
        'x-subscription-token': env[WEB_SEARCH_ENV.brave_key]?.trim() ?? '',
      },
      signal,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    hits = (parseJson(skill, backend, shown, text, braveResponse).web?.results ?? []).map((result) => ({
      title: plainText(result.title),
      url: result.url,
      snippet: plainText(result.description ?? ''),
      source: 'brave',
    }));
  } else {
    const base =
      envUrl(env, WEB_SEARCH_ENV.tavily_base, skill) ?? new URL(WEB_SEARCH_DEFAULT_BASE_URLS.tavily);
    const url = joinUrl(base, 'search');
    const shown = withoutCredentials(url);
    const text = await fetchText({
      skill,
      source: backend,
      url,
      method: 'POST',
      headers: {
        accept: 'application/json',
        'content-type': 'application/json',
        authorization: `Bearer ${env[WEB_SEARCH_ENV.tavily_key]?.trim() ?? ''}`,
      },
      body: JSON.stringify({ query, max_results: Math.min(maxResults, WEB_SEARCH_PROVIDER_MAX_RESULTS) }),
      signal,
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    hits = parseJson(skill, backend, shown, text, tavilyResponse).results.map((result) => ({
      title: plainText(result.title),
      url: result.url,
      snippet: plainText(result.content ?? ''),
      source: 'tavily',
    }));
  }

  const seen = new Set<string>();
  const results = hits.filter((hit) => !seen.has(hit.url) && seen.add(hit.url)).slice(0, maxResults);
  return { backend, results };
}

/** What `web_search` returns. */
export interface WebSearchResult {
  /** The query as given. */
  query: string;
  /** The backend that answered. */
  backend: WebSearchBackend;
  /** The results, at most `max_results`. */
  results: WebSearchHit[];
  /** The record written, absolute: `<home>/knowledge/research/web_search_<slug>_<YYYYMMDD>_<agent>.json`. */
  file: string;
}

const payloadSchema = z.strictObject({
  /** The search query. */
  query: z
    .string()
    .min(1)
    .max(500)
    .refine((query) => query.trim() !== '', 'is blank'),
  /** At most this many results. Default 10 (Brave and Tavily give at most 20). */
  max_results: z.number().int().min(1).max(50).default(10),
  /** Which backend; default the first configured of searxng, brave, tavily. */
  backend: z.enum(WEB_SEARCH_BACKENDS).optional(),
});

/**
 * `web_search`: searches the web through the configured backend (SearXNG, Brave or Tavily; see
 * `searchWeb`) and writes the results to `knowledge/research/`. Needs the network: refused in offline and
 * air-gap modes.
 */
export const webSearch = defineSkill({
  name: 'web_search',
  description:
    'Searches the web (SearXNG, Brave or Tavily, as configured in the environment) and returns ' +
    '[{ title, url, snippet, source }]; the results are also saved to knowledge/research/.',
  payload: payloadSchema,
  requiresNetwork: true,
  timeoutMs: 2 * 60 * 1000,
  roles: ['researcher'],
  async run(payload, ctx): Promise<WebSearchResult> {
    const date = new Date();
    const { backend, results } = await searchWeb({
      skill: 'web_search',
      query: payload.query,
      maxResults: payload.max_results,
      backend: payload.backend,
      signal: ctx.signal,
    });
    const file = researchFile(ctx, {
      folder: WEB_SEARCH_FOLDER,
      prefix: 'web_search_',
      slug: slugify(payload.query),
      date,
      extension: 'json',
    });
    ctx.signal.throwIfAborted();
    const record = {
      skill: 'web_search',
      query: payload.query,
      backend,
      date: isoDate(date),
      agent: ctx.task.agent,
      results,
    };
    await ctx.fs.writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
    ctx.log.info('web_search: results written', { backend, results: results.length, file });
    return { query: payload.query, backend, results, file };
  },
});
