import type { Skill } from '@biged/skill-sdk';
import { arxivFetch } from './arxiv-fetch';
import { codeDiscuss } from './code-discuss';
import { codeIndex } from './code-index';
import { codeReview } from './code-review';
import { knowledgeSearch } from './knowledge-search';
import { leadResearch } from './lead-research';
import { noop } from './noop';
import { summarize } from './summarize';
import { synthesize } from './synthesize';
import { webSearch } from './web-search';

export type {
  ArxivEntry,
  ArxivFetchResult,
  ArxivSort,
  FetchArxivOptions,
  ParseArxivFeedOptions,
} from './arxiv-fetch';
export {
  ARXIV_BASE_URL_ENV,
  ARXIV_DEFAULT_BASE_URL,
  ARXIV_FOLDER,
  ARXIV_ID_PATTERN,
  arxivFetch,
  arxivSearchQuery,
  fetchArxiv,
  parseArxivFeed,
} from './arxiv-fetch';
export type { CodeDiscussResult, CodeDiscussRole, CodeDiscussTurn } from './code-discuss';
export {
  CODE_DISCUSS_FOLDER,
  CODE_DISCUSS_ROLES,
  CODE_DISCUSS_TURN_WORDS,
  codeDiscuss,
} from './code-discuss';
export type { CodeIndexRecord, CodeIndexResult } from './code-index';
export {
  CODE_INDEX_DEFAULT_OUTPUT,
  CODE_INDEX_IGNORED_DIRECTORIES,
  CODE_INDEX_MAX_FILE_BYTES,
  codeIndex,
} from './code-index';
export type {
  CodeReview,
  CodeReviewFinding,
  CodeReviewFocus,
  CodeReviewResult,
  CodeReviewSeverity,
} from './code-review';
export {
  CODE_REVIEW_DEFAULT_MAX_BYTES,
  CODE_REVIEW_FOLDER,
  CODE_REVIEW_MAX_BYTES_LIMIT,
  CODE_REVIEW_SEVERITIES,
  codeReview,
  codeReviewSchema,
} from './code-review';
export type {
  ModelOutputErrorOptions,
  ResearchSourceErrorCode,
  ResearchSourceErrorOptions,
  SkillInputErrorCode,
  SkillInputErrorOptions,
} from './errors';
export { ModelOutputError, ResearchSourceError, SkillInputError } from './errors';
export type { CodeSymbol } from './internal/symbols';
export type { KnowledgeSearchMatch, KnowledgeSearchResult } from './knowledge-search';
export {
  KNOWLEDGE_SEARCH_EXTENSIONS,
  KNOWLEDGE_SEARCH_MAX_FILE_BYTES,
  KNOWLEDGE_SEARCH_MAX_FILES,
  knowledgeSearch,
} from './knowledge-search';
export type { LeadResearchResult } from './lead-research';
export {
  LEAD_RESEARCH_FOLDER,
  LEAD_RESEARCH_MAX_SOURCES,
  LEAD_RESEARCH_SYSTEM_PROMPT,
  leadResearch,
  leadResearchQueries,
} from './lead-research';
export type { NoopResult } from './noop';
export { noop } from './noop';
export type { SummarizeResult, SummaryStyle } from './summarize';
export { SUMMARIZE_DEFAULT_MAX_BYTES, SUMMARIZE_FOLDER, summarize } from './summarize';
export type { SynthesizeResult } from './synthesize';
export {
  SYNTHESIZE_DEFAULT_MAX_BYTES,
  SYNTHESIZE_FOLDER,
  SYNTHESIZE_FOLDER_EXTENSIONS,
  SYNTHESIZE_MAX_SOURCES,
  synthesize,
} from './synthesize';
export { VERSION } from './version';
export type {
  SearchWebOptions,
  SearchWebResult,
  WebSearchBackend,
  WebSearchHit,
  WebSearchResult,
} from './web-search';
export {
  searchWeb,
  WEB_SEARCH_BACKENDS,
  WEB_SEARCH_DEFAULT_BASE_URLS,
  WEB_SEARCH_ENV,
  WEB_SEARCH_FOLDER,
  WEB_SEARCH_PROVIDER_MAX_RESULTS,
  webSearch,
} from './web-search';

/** Every built-in skill, for a host's registry: `createSkillRegistry([...builtinSkills, ...loaded])`. */
export const builtinSkills: readonly Skill[] = [
  arxivFetch,
  codeDiscuss,
  codeIndex,
  codeReview,
  knowledgeSearch,
  leadResearch,
  noop,
  summarize,
  synthesize,
  webSearch,
];
