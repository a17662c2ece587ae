import path from 'node:path';
import { defineSkill, type SkillWalkEntry, z } from '@biged/skill-sdk';
import { extensionOf } from './internal/languages';
import { tokenize } from './internal/tokenize';

/** Extensions `knowledge_search` reads; everything else in the knowledge directory is passed over. */
export const KNOWLEDGE_SEARCH_EXTENSIONS: ReadonlySet<string> = new Set([
  'md',
  'mdx',
  'txt',
  'rst',
  'jsonl',
  'json',
  'csv',
  'tsv',
  'yaml',
  'yml',
  'toml',
  'html',
  'log',
  'py',
  'ts',
  'tsx',
  'js',
  'mjs',
  'go',
  'rs',
  'java',
  'sh',
]);

/** Files over 5 MiB are not searched. */
export const KNOWLEDGE_SEARCH_MAX_FILE_BYTES = 5 * 1024 * 1024;

/** At most this many files are searched per query. */
export const KNOWLEDGE_SEARCH_MAX_FILES = 10_000;

/** One matching line. */
export interface KnowledgeSearchMatch {
  /** File path relative to the searched directory, `/`-separated. */
  path: string;
  /** 1-based line number. */
  line: number;
  /** The line, trimmed and shortened around the first matching term (at most ~240 characters). */
  snippet: string;
  /** BM25 score of the line (higher is better). */
  score: number;
}

/** What `knowledge_search` returns. */
export interface KnowledgeSearchResult {
  /** The query as given. */
  query: string;
  /** The search terms the query was split into. */
  terms: string[];
  /** Best matches first. */
  matches: KnowledgeSearchMatch[];
  /** How many files were read. */
  searchedFiles: number;
}

const payloadSchema = z.strictObject({
  /** Words to look for. */
  query: z.string().trim().min(1).max(500),
  /** Most matches returned. Default 10. */
  limit: z.number().int().min(1).max(1000).default(10),
  /** Directory or file to search; relative paths are relative to `<home>/knowledge`. Default: that directory. */
  path: z.string().min(1).optional(),
});

// BM25 parameters: the usual defaults.
const K1 = 1.2;
const B = 0.75;
const SNIPPET_LENGTH = 240;

interface Candidate {
  path: string;
  line: number;
  text: string;
  length: number;
  frequencies: Map<string, number>;
}

function snippetOf(text: string, terms: readonly string[]): string {
  const trimmed = text.trim();
  if (trimmed.length <= SNIPPET_LENGTH) return trimmed;
  const lower = trimmed.toLowerCase();
  const positions = terms.map((term) => lower.indexOf(term)).filter((position) => position >= 0);
  const first = positions.length > 0 ? Math.min(...positions) : 0;
  const start = Math.max(0, Math.min(first - 60, trimmed.length - SNIPPET_LENGTH));
  const end = start + SNIPPET_LENGTH;
  return `${start > 0 ? '…' : ''}${trimmed.slice(start, end)}${end < trimmed.length ? '…' : ''}`;
}

/**
 * `knowledge_search`: finds the lines in the fleet's `knowledge/` files (notes, reports, the code
 * index, ...) that best match a query. Lines are ranked with BM25 over all searched lines, so rare
 * terms weigh more than common ones and short focused lines beat long ones.
 */
export const knowledgeSearch = defineSkill({
  name: 'knowledge_search',
  description:
    'Searches the text files under knowledge/ in the fleet home for a query; returns the best matching lines (path, line, snippet, score), ranked by BM25.',
  payload: payloadSchema,
  roles: ['researcher', 'archivist'],
  async run({ query, limit, path: target }, ctx): Promise<KnowledgeSearchResult> {
    const terms = [...new Set(tokenize(query))];
    const root = path.resolve(ctx.paths.knowledge, target ?? '.');
    const empty: KnowledgeSearchResult = { query, terms, matches: [], searchedFiles: 0 };
    if (terms.length === 0) return empty;
    if (target === undefined && !(await ctx.fs.exists(root))) return empty;

    const files: Pick<SkillWalkEntry, 'path' | 'relativePath' | 'size'>[] = [];
    const stats = await ctx.fs.stat(root);
    if (stats.isFile()) {
      files.push({ path: root, relativePath: path.basename(root), size: stats.size });
    } else {
      for await (const entry of ctx.fs.walk(root, { maxFiles: KNOWLEDGE_SEARCH_MAX_FILES })) {
        if (KNOWLEDGE_SEARCH_EXTENSIONS.has(extensionOf(entry.name))) files.push(entry);
      }
    }

    const wanted = new Set(terms);
    const documentFrequency = new Map<string, number>();
    const candidates: Candidate[] = [];
    let lineCount = 0;
    let tokenCount = 0;
    let searchedFiles = 0;
    for (const file of files) {
      ctx.signal.throwIfAborted();
      if (file.size > KNOWLEDGE_SEARCH_MAX_FILE_BYTES) continue;
      const content = await ctx.fs.readFile(file.path);
      if (content.subarray(0, 8000).includes(0)) continue;
      searchedFiles += 1;
      const lines = content.toString('utf8').split(/\r?\n/);
      lines.forEach((text, index) => {
        const tokens = tokenize(text);
        if (tokens.length === 0) return;
        lineCount += 1;
        tokenCount += tokens.length;
        let frequencies: Map<string, number> | undefined;
        for (const token of tokens) {
          if (!wanted.has(token)) continue;
          frequencies ??= new Map();
          frequencies.set(token, (frequencies.get(token) ?? 0) + 1);
        }
        if (!frequencies) return;
        for (const term of frequencies.keys())
          documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
        candidates.push({
          path: file.relativePath,
          line: index + 1,
          text,
          length: tokens.length,
          frequencies,
        });
      });
    }

    const averageLength = lineCount > 0 ? tokenCount / lineCount : 1;
    const idf = (term: string) => {
      const frequency = documentFrequency.get(term) ?? 0;
      return Math.log(1 + (lineCount - frequency + 0.5) / (frequency + 0.5));
    };
    const matches = candidates
      .map((candidate): KnowledgeSearchMatch => {
        let score = 0;
        for (const [term, frequency] of candidate.frequencies) {
          const norm = K1 * (1 - B + (B * candidate.length) / averageLength);
          score += (idf(term) * frequency * (K1 + 1)) / (frequency + norm);
        }
        return {
          path: candidate.path,
          line: candidate.line,
          snippet: snippetOf(candidate.text, terms),
          score: Math.round(score * 10_000) / 10_000,
        };
      })
      .sort(
        (left, right) =>
          right.score - left.score || left.path.localeCompare(right.path) || left.line - right.line,
      )
      .slice(0, limit);
    return { query, terms, matches, searchedFiles };
  },
});
