import { defineSkill, z } from '@biged/skill-sdk';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
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

/** The arXiv API host when `BIGED_ARXIV_BASE_URL` is unset. */
export const ARXIV_DEFAULT_BASE_URL = 'https://export.arxiv.org';

/**
 * The environment variable that replaces the arXiv API host (`<base>/api/query`); for tests and egress
 * proxies only (never a payload field).
 */
export const ARXIV_BASE_URL_ENV = 'BIGED_ARXIV_BASE_URL';

/** Where arXiv records go, under `<home>/knowledge`. */
export const ARXIV_FOLDER = 'research';

/**
 * arXiv identifiers: new style `2101.00001` (4 or 5 digits after the dot) and old style `hep-th/9901001`
 * (archive, optional subject class, 7 digits), each with an optional version `v2`.
 */
export const ARXIV_ID_PATTERN = /^(?:\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?\/\d{7})(?:v\d+)?$/;

/** How results are ordered: arXiv's relevance, or newest submission first. */
export type ArxivSort = 'relevance' | 'submittedDate';

/** One paper. */
export interface ArxivEntry {
  /** The arXiv id with its version, e.g. `1706.03762v7`. */
  id: string;
  /** Title, white space collapsed. */
  title: string;
  /** Abstract, white space collapsed. */
  summary: string;
  /** Author names, in order. */
  authors: string[];
  /** First version's date (ISO 8601, as arXiv gives it). */
  published: string;
  /** This version's date. */
  updated: string;
  /** The PDF link. */
  pdf_url: string;
  /** The primary category, e.g. `cs.CL`; undefined when the feed gives none. */
  primary_category: string | undefined;
  /** Every category term, in feed order. */
  categories: string[];
}

/** What `arxiv_fetch` returns. */
export interface ArxivFetchResult {
  /** The query as given (undefined when only ids were given). */
  query: string | undefined;
  /** The ids as given. */
  ids: string[];
  /** How many papers match in all (arXiv's `opensearch:totalResults`), which may exceed `entries`. */
  total_results: number;
  /** The papers returned, at most `max_results`. */
  entries: ArxivEntry[];
  /** The record written, absolute: `<home>/knowledge/research/arxiv_<slug>_<YYYYMMDD>_<agent>.json`. */
  file: string;
}

const payloadSchema = z
  .strictObject({
    /**
     * A search: arXiv query syntax (`ti:transformer AND cat:cs.CL`), or plain words, which are searched in
     * all fields and must all match.
     */
    query: z
      .string()
      .min(1)
      .max(1000)
      .refine((query) => query.trim() !== '', 'is blank')
      .optional(),
    /** arXiv ids to fetch (`2101.00001`, `hep-th/9901001v2`); with `query`, the search is limited to them. */
    ids: z
      .array(z.string().regex(ARXIV_ID_PATTERN, 'is not an arXiv id (like 2101.00001 or hep-th/9901001v2)'))
      .min(1)
      .max(100)
      .optional(),
    /** At most this many papers. Default 10. */
    max_results: z.number().int().min(1).max(100).default(10),
    /** `relevance` (default) or `submittedDate` (newest first). */
    sort: z.enum(['relevance', 'submittedDate']).default('relevance'),
  })
  .refine((payload) => payload.query !== undefined || payload.ids !== undefined, {
    message: 'give "query" (a search), "ids" (arXiv ids) or both',
  });

const FIELD_PREFIX = /\b(?:ti|au|abs|co|jr|cat|rn|id|all):/;

/** arXiv's `search_query`: the query as given when it uses field prefixes, else `all:` on every word, ANDed. */
export function arxivSearchQuery(query: string): string {
  if (FIELD_PREFIX.test(query)) return query.trim();
  return query
    .trim()
    .split(/\s+/)
    .map((word) => `all:${word}`)
    .join(' AND ');
}

const textValue = z
  .union([z.string(), z.object({ '#text': z.string().optional() })])
  .transform((value) =>
    (typeof value === 'string' ? value : (value['#text'] ?? '')).replace(/\s+/g, ' ').trim(),
  );

const entrySchema = z.object({
  id: textValue,
  updated: textValue,
  published: textValue,
  title: textValue,
  summary: textValue,
  author: z.array(z.object({ name: textValue })).default([]),
  link: z
    .array(
      z.object({ '@_href': z.string(), '@_rel': z.string().optional(), '@_title': z.string().optional() }),
    )
    .default([]),
  category: z.array(z.object({ '@_term': z.string() })).default([]),
  'arxiv:primary_category': z.object({ '@_term': z.string() }).optional(),
});

const feedSchema = z.object({
  feed: z.object({
    'opensearch:totalResults': textValue.pipe(z.string().regex(/^\d+$/, 'is not a count')),
    entry: z.array(z.record(z.string(), z.unknown())).default([]),
  }),
});

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Titles such as "1984" stay strings; counts are converted where they are read.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => name === 'entry' || name === 'author' || name === 'link' || name === 'category',
});

/** Options for `parseArxivFeed`. */
export interface ParseArxivFeedOptions {
  /** The skill asking (errors name it). */
  skill: string;
  /** The URL the feed came from, for errors. */
  url: string;
}

/**
 * Parses an arXiv API answer (an Atom feed with OpenSearch counts) into `{ total, entries }`. Malformed
 * XML or a feed missing its fields is `RESEARCH_BAD_RESPONSE` (the message names the line or the fields);
 * an arXiv error entry (id under `/api/errors`) is `RESEARCH_API_ERROR` with arXiv's message.
 */
export function parseArxivFeed(
  xml: string,
  options: ParseArxivFeedOptions,
): { total: number; entries: ArxivEntry[] } {
  const { skill, url } = options;
  const bad = (detail: string, cause?: unknown) =>
    new ResearchSourceError({
      code: 'RESEARCH_BAD_RESPONSE',
      skill,
      source: 'arxiv',
      url,
      cause,
      message: `${skill}: arXiv answered ${url} with ${detail}`,
    });
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw bad(`malformed XML (line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg})`, valid.err);
  }
  const feed = feedSchema.safeParse(parser.parse(xml));
  if (!feed.success) {
    throw bad(
      `XML that is not an arXiv Atom feed:\n${describeIssues(feed.error)
        .map((line) => `  - ${line}`)
        .join('\n')}`,
      feed.error,
    );
  }
  const entries: ArxivEntry[] = [];
  for (const [index, raw] of feed.data.feed.entry.entries()) {
    const rawId = textValue.safeParse(raw.id);
    if (rawId.success && rawId.data.includes('/api/errors')) {
      const summary = textValue.safeParse(raw.summary);
      throw new ResearchSourceError({
        code: 'RESEARCH_API_ERROR',
        skill,
        source: 'arxiv',
        url,
        message: `${skill}: arXiv refused the request: ${summary.success ? summary.data : rawId.data}`,
        hint: 'check the query syntax and the ids',
      });
    }
    const entry = entrySchema.safeParse(raw);
    if (!entry.success) {
      throw bad(
        `an entry it could not read:\n${describeIssues(entry.error)
          .map((line) => `  - entry[${index}].${line}`)
          .join('\n')}`,
        entry.error,
      );
    }
    const { data } = entry;
    const id = data.id.replace(/^https?:\/\/arxiv\.org\/abs\//, '');
    const pdf = data.link.find((link) => link['@_title'] === 'pdf')?.['@_href'];
    entries.push({
      id,
      title: data.title,
      summary: data.summary,
      authors: data.author.map((author) => author.name),
      published: data.published,
      updated: data.updated,
      pdf_url: pdf ?? `https://arxiv.org/pdf/${id}`,
      primary_category: data['arxiv:primary_category']?.['@_term'],
      categories: data.category.map((category) => category['@_term']),
    });
  }
  return { total: Number(feed.data.feed['opensearch:totalResults']), entries };
}

/** Options for `fetchArxiv`. */
export interface FetchArxivOptions {
  /** The skill asking (errors name it). */
  skill: string;
  /** A search (see the payload's `query`). */
  query?: string | undefined;
  /** arXiv ids. */
  ids?: readonly string[] | undefined;
  /** At most this many papers. */
  maxResults: number;
  /** Order of results. */
  sort: ArxivSort;
  /** The task's signal. */
  signal: AbortSignal;
  /** Where `BIGED_ARXIV_BASE_URL` is read from. Default `process.env`. */
  env?: ResearchEnv;
}

/**
 * One arXiv API query: `GET <base>/api/query?search_query=...&id_list=...&start=0&max_results=...&sortBy=...`
 * parsed with `parseArxivFeed`. Rejects with `ResearchSourceError`.
 */
export async function fetchArxiv(
  options: FetchArxivOptions,
): Promise<{ total: number; entries: ArxivEntry[] }> {
  const env = options.env ?? process.env;
  const base = envUrl(env, ARXIV_BASE_URL_ENV, options.skill) ?? new URL(ARXIV_DEFAULT_BASE_URL);
  const url = joinUrl(base, 'api/query');
  if (options.query !== undefined) url.searchParams.set('search_query', arxivSearchQuery(options.query));
  if (options.ids !== undefined) url.searchParams.set('id_list', options.ids.join(','));
  url.searchParams.set('start', '0');
  url.searchParams.set('max_results', String(options.maxResults));
  url.searchParams.set('sortBy', options.sort);
  url.searchParams.set('sortOrder', 'descending');
  const shown = withoutCredentials(url);
  const xml = await fetchText({
    skill: options.skill,
    source: 'arxiv',
    url,
    headers: { accept: 'application/atom+xml' },
    signal: options.signal,
  });
  const parsed = parseArxivFeed(xml, { skill: options.skill, url: shown });
  return { total: parsed.total, entries: parsed.entries.slice(0, options.maxResults) };
}

/**
 * `arxiv_fetch`: searches arXiv or fetches papers by id through the arXiv API (Atom), returning each
 * paper's metadata and abstract, and writes them to `knowledge/research/`. Needs the network.
 */
export const arxivFetch = defineSkill({
  name: 'arxiv_fetch',
  description:
    'Searches arXiv (or fetches papers by id) through the arXiv API and returns [{ id, title, summary, ' +
    'authors, published, updated, pdf_url, categories }]; the results are also saved to knowledge/research/.',
  payload: payloadSchema,
  requiresNetwork: true,
  timeoutMs: 2 * 60 * 1000,
  roles: ['researcher'],
  async run(payload, ctx): Promise<ArxivFetchResult> {
    const date = new Date();
    const { total, entries } = await fetchArxiv({
      skill: 'arxiv_fetch',
      query: payload.query,
      ids: payload.ids,
      maxResults: payload.max_results,
      sort: payload.sort,
      signal: ctx.signal,
    });
    const ids = payload.ids ?? [];
    const file = researchFile(ctx, {
      folder: ARXIV_FOLDER,
      prefix: 'arxiv_',
      slug: slugify(payload.query ?? ids.join(' ')),
      date,
      extension: 'json',
    });
    ctx.signal.throwIfAborted();
    const record = {
      skill: 'arxiv_fetch',
      query: payload.query ?? null,
      ids,
      sort: payload.sort,
      date: isoDate(date),
      agent: ctx.task.agent,
      total_results: total,
      entries,
    };
    await ctx.fs.writeFile(file, `${JSON.stringify(record, null, 2)}\n`);
    ctx.log.info('arxiv_fetch: entries written', { total, entries: entries.length, file });
    return { query: payload.query, ids, total_results: total, entries, file };
  },
});
