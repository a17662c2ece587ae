import type { Skill } from '@biged/skill-sdk';
import { codeIndex } from './code-index';
import { knowledgeSearch } from './knowledge-search';
import { noop } from './noop';

export type { CodeIndexRecord, CodeIndexResult } from './code-index';

export {
  CODE_INDEX_DEFAULT_OUTPUT,
  CODE_INDEX_IGNORED_DIRECTORIES,
  CODE_INDEX_MAX_FILE_BYTES,
  codeIndex,
} from './code-index';
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
export { VERSION } from './version';

/** Every built-in skill, for a host's registry: `createSkillRegistry([...builtinSkills, ...loaded])`. */
export const builtinSkills: readonly Skill[] = [codeIndex, knowledgeSearch, noop];
