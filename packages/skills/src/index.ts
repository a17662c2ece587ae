import type { Skill } from '@biged/skill-sdk';
import { codeDiscuss } from './code-discuss';
import { codeIndex } from './code-index';
import { codeReview } from './code-review';
import { knowledgeSearch } from './knowledge-search';
import { noop } from './noop';
import { summarize } from './summarize';
import { synthesize } from './synthesize';

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
export type { ModelOutputErrorOptions, SkillInputErrorCode, SkillInputErrorOptions } from './errors';
export { ModelOutputError, SkillInputError } from './errors';
export type { CodeSymbol } from './internal/symbols';
export type { KnowledgeSearchMatch, KnowledgeSearchResult } from './knowledge-search';
export {
  KNOWLEDGE_SEARCH_EXTENSIONS,
  KNOWLEDGE_SEARCH_MAX_FILE_BYTES,
  KNOWLEDGE_SEARCH_MAX_FILES,
  knowledgeSearch,
} from './knowledge-search';
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

/** Every built-in skill, for a host's registry: `createSkillRegistry([...builtinSkills, ...loaded])`. */
export const builtinSkills: readonly Skill[] = [
  codeDiscuss,
  codeIndex,
  codeReview,
  knowledgeSearch,
  noop,
  summarize,
  synthesize,
];
