import { defineSkill, z } from '@biged/skill-sdk';
import { ResearchSourceError } from './errors/research-source-error';
import {
  createModelAsker,
  isoDate,
  knowledgeFile,
  modelChoice,
  modelChoiceFields,
  requireModels,
  slugify,
  type TokenTotals,
  tokensForWords,
} from './internal/model-skill';
import { searchWeb, type WebSearchBackend, type WebSearchHit } from './web-search';

/** Where lead briefs go, under `<home>/knowledge`. */
export const LEAD_RESEARCH_FOLDER = 'leads';

/** At most this many distinct sources go to the model. */
export const LEAD_RESEARCH_MAX_SOURCES = 15;

/** The system prompt of the `lead_research` call. */
export const LEAD_RESEARCH_SYSTEM_PROMPT =
  'You write short, factual lead briefs for a sales team. Use only the numbered sources you are given, cite ' +
  'them as [1], [2], and say plainly when the sources do not tell. Answer in markdown, without preamble.';

/** What `lead_research` returns. */
export interface LeadResearchResult {
  /** The company as given. */
  company: string;
  /** The brief written, absolute: `<home>/knowledge/leads/<slug>_<YYYYMMDD>_<agent>.md`. */
  file: string;
  /** The sources the brief was written from, in citation order (`[1]` is the first). */
  sources: WebSearchHit[];
  /** The search queries run. */
  queries: string[];
  /** The search backend that answered. */
  backend: WebSearchBackend;
  /** The model that wrote the brief. */
  model: string;
  /** Its provider. */
  provider: string;
  /** Tokens of the call. */
  tokens: TokenTotals;
}

const httpUrl = z
  .string()
  .max(2000)
  .refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
    } catch {
      return false;
    }
  }, 'is not an http(s) URL');

const payloadSchema = z.strictObject({
  /** The company to research. */
  company: z
    .string()
    .min(1)
    .max(200)
    .refine((company) => company.trim() !== '', 'is blank'),
  /** Its website; adds a `site:` search of it. Only its host name is used, nothing is fetched from it. */
  website: httpUrl.optional(),
  /** What the brief should look at (e.g. "data engineering needs"). Default: products, customers, news. */
  focus: z.string().min(1).max(500).optional(),
  /** Results taken from each search. Default 5. */
  results_per_query: z.number().int().min(1).max(20).default(5),
  /** Longest brief, in words. Default 400. */
  max_words: z.number().int().min(50).max(2000).default(400),
  ...modelChoiceFields,
});

/** The searches `lead_research` runs for a payload, in order. */
export function leadResearchQueries(payload: {
  company: string;
  website?: string | undefined;
  focus?: string | undefined;
}): string[] {
  const company = `"${payload.company.trim().replaceAll('"', '')}"`;
  const queries = [company, `${company} ${payload.focus?.trim() ?? 'products services customers'}`];
  queries.push(
    payload.website === undefined ? `${company} news` : `site:${new URL(payload.website).hostname}`,
  );
  return queries;
}

/**
 * `lead_research`: a few web searches about a company (through `searchWeb`, the engine of `web_search`),
 * then one model call that writes a short, cited lead brief to `knowledge/leads/`. Needs the network and a
 * model router.
 */
export const leadResearch = defineSkill({
  name: 'lead_research',
  description:
    'Researches a company on the web (a few searches through the configured search backend) and writes a ' +
    'short cited lead brief to knowledge/leads/; returns { file, sources }.',
  payload: payloadSchema,
  requiresNetwork: true,
  timeoutMs: 10 * 60_000,
  roles: ['researcher', 'sales'],
  async run(payload, ctx): Promise<LeadResearchResult> {
    requireModels(ctx, 'lead_research');
    const date = new Date();
    const company = payload.company.trim();
    const queries = leadResearchQueries(payload);
    const sources: WebSearchHit[] = [];
    const seen = new Set<string>();
    let backend: WebSearchBackend | undefined;
    for (const query of queries) {
      ctx.signal.throwIfAborted();
      const found = await searchWeb({
        skill: 'lead_research',
        query,
        maxResults: payload.results_per_query,
        signal: ctx.signal,
      });
      backend = found.backend;
      for (const hit of found.results) {
        if (seen.has(hit.url) || sources.length >= LEAD_RESEARCH_MAX_SOURCES) continue;
        seen.add(hit.url);
        sources.push(hit);
      }
    }
    if (sources.length === 0) {
      throw new ResearchSourceError({
        code: 'RESEARCH_NO_RESULTS',
        skill: 'lead_research',
        ...(backend ? { source: backend } : {}),
        message: `lead_research: the searches for ${company} found nothing (${queries.join('; ')}), so there is nothing to write a brief from`,
        hint: 'check the company name, or give "website"',
      });
    }

    const numbered = sources
      .map(
        (source, index) =>
          `[${index + 1}] ${source.title}\n${source.url}\n${source.snippet || '(no extract)'}`,
      )
      .join('\n\n');
    const prompt =
      `Write a lead brief about the company ${company}` +
      (payload.website ? ` (website: ${payload.website})` : '') +
      ` in at most ${payload.max_words} words.` +
      (payload.focus ? ` Focus on: ${payload.focus.trim()}.` : '') +
      ' Use these sections: "## Overview", "## Offerings", "## Signals and needs", "## Possible approach", ' +
      '"## Open questions". Cite the sources by number.\n\n' +
      `<sources>\n${numbered}\n</sources>`;
    const { tally, ask } = createModelAsker(ctx, 'lead_research');
    ctx.signal.throwIfAborted();
    const answer = await ask({
      system: LEAD_RESEARCH_SYSTEM_PROMPT,
      prompt,
      maxOutputTokens: tokensForWords(payload.max_words),
      temperature: 0.3,
      ...modelChoice(payload),
    });

    const file = knowledgeFile(ctx, { folder: LEAD_RESEARCH_FOLDER, stem: slugify(company), date });
    const markdown = [
      `# Lead brief: ${company}`,
      '',
      ...(payload.website ? [`- Website: ${payload.website}`] : []),
      ...(payload.focus ? [`- Focus: ${payload.focus.trim()}`] : []),
      `- Date: ${isoDate(date)}`,
      `- Agent: ${ctx.task.agent}`,
      `- Model: ${answer.provider}/${answer.model}`,
      `- Search: ${backend}`,
      '',
      answer.text.trim(),
      '',
      '## Sources',
      '',
      ...sources.map(
        (source, index) => `${index + 1}. [${source.title.replace(/[[\]]/g, '')}](${source.url})`,
      ),
      '',
    ].join('\n');
    ctx.signal.throwIfAborted();
    await ctx.fs.writeFile(file, markdown);
    ctx.log.info('lead_research: brief written', { file, sources: sources.length });
    return {
      company,
      file,
      sources,
      queries,
      backend: backend as WebSearchBackend,
      model: answer.model,
      provider: answer.provider,
      tokens: { ...tally.tokens },
    };
  },
});
