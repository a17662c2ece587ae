import type { Skill } from '@biged/skill-sdk';
import { arxivFetch } from './arxiv-fetch';
import { codeDiscuss } from './code-discuss';
import { codeIndex } from './code-index';
import { codeQuality } from './code-quality';
import { codeReview } from './code-review';
import { flashcards } from './flashcards';
import { fmaReview } from './fma-review';
import { knowledgeSearch } from './knowledge-search';
import { leadResearch } from './lead-research';
import { memoryOptimizer } from './memory-optimizer';
import { noop } from './noop';
import { penTest } from './pen-test';
import { planner } from './planner';
import { ragIngest } from './rag-ingest';
import { ragQuery } from './rag-query';
import { researchLoop } from './research-loop';
import { securityAudit } from './security-audit';
import { securityReview } from './security-review';
import { skillDraft } from './skill-draft';
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
export type { CodeQualityResult, FileQuality, FunctionComplexity, LintSummary } from './code-quality';
export {
  CODE_QUALITY_EXTENSIONS,
  CODE_QUALITY_FOLDER,
  CODE_QUALITY_MAX_FILE_BYTES,
  codeQuality,
  functionComplexities,
} from './code-quality';
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
  PenTestTargetErrorCode,
  PenTestTargetErrorOptions,
  RagIndexErrorCode,
  RagIndexErrorOptions,
  ResearchSourceErrorCode,
  ResearchSourceErrorOptions,
  SkillDraftErrorOptions,
  SkillInputErrorCode,
  SkillInputErrorOptions,
} from './errors';
export {
  ModelOutputError,
  PenTestTargetError,
  RagIndexError,
  ResearchSourceError,
  SkillDraftError,
  SkillInputError,
} from './errors';
export type { Flashcard, FlashcardsResult } from './flashcards';
export {
  FLASHCARDS_DEFAULT_MAX_BYTES,
  FLASHCARDS_FOLDER,
  FLASHCARDS_MAX_CARDS,
  FLASHCARDS_SYSTEM_PROMPT,
  flashcards,
  flashcardsSchema,
} from './flashcards';
export type { FailureMode, FmaReviewResult } from './fma-review';
export {
  FMA_REVIEW_DEFAULT_MAX_BYTES,
  FMA_REVIEW_FOLDER,
  FMA_REVIEW_MAX_BYTES_LIMIT,
  FMA_REVIEW_SYSTEM_PROMPT,
  fmaReview,
  fmaReviewSchema,
} from './fma-review';
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
export type {
  CreateMemoryOptimizerSkillOptions,
  DatabaseFileSizes,
  FleetProcessMemory,
  LoadedOllamaModel,
  MemoryAlert,
  MemoryAudit,
  MemoryCompactOutcome,
  MemoryOptimizeOutcome,
  MemoryOptimizerAction,
  MemoryOptimizerPayload,
  MemoryOptimizerResult,
} from './memory-optimizer';
export {
  createMemoryOptimizerSkill,
  MEMORY_OPTIMIZER_ACTIONS,
  MEMORY_OPTIMIZER_SENDER,
  memoryOptimizer,
  readProcessRssKb,
} from './memory-optimizer';
export type { NoopResult } from './noop';
export { noop } from './noop';
export type {
  CreatePenTestOptions,
  HttpProbe,
  PenTestLookup,
  PenTestResult,
  PortResult,
  PortState,
} from './pen-test';
export {
  checkLoopbackTarget,
  createPenTest,
  isLoopbackAddress,
  PEN_TEST_DEFAULT_PORTS,
  PEN_TEST_FOLDER,
  PEN_TEST_MAX_PORTS,
  PEN_TEST_SECURITY_HEADERS,
  penTest,
} from './pen-test';
export type { PlannedTask, PlannerResult } from './planner';
export {
  PLANNER_FORBIDDEN_SKILLS,
  PLANNER_MAX_CHILD_PAYLOAD_BYTES,
  PLANNER_MAX_TASKS_RANGE,
  PLANNER_SYSTEM_PROMPT,
  plannedTaskSchema,
  planner,
  planSchema,
} from './planner';
export type { RagIngestResult } from './rag-ingest';
export {
  RAG_INGEST_DEFAULT_CHUNK_SIZE,
  RAG_INGEST_DEFAULT_MAX_FILE_BYTES,
  RAG_INGEST_DEFAULT_OVERLAP,
  RAG_INGEST_EXTENSIONS,
  RAG_PROSE_EXTENSIONS,
  ragIngest,
} from './rag-ingest';
export type { RagQueryResult } from './rag-query';
export { RAG_QUERY_DEFAULT_K, RAG_QUERY_MAX_CHARS, ragQuery } from './rag-query';
export type {
  CreateRagStoreOptions,
  RagChunkInput,
  RagHit,
  RagIndexInfo,
  RagSource,
  RagSourceInput,
  RagStore,
  RagStoreStats,
} from './rag-store';
export { createRagStore, RAG_MAX_K, RAG_SCHEMA_VERSION } from './rag-store';
export type {
  ResearchLoopResult,
  ResearchLoopSearch,
  ResearchLoopSource,
} from './research-loop';
export {
  RESEARCH_LOOP_ANSWER_WORDS,
  RESEARCH_LOOP_CONTEXT_CHARS,
  RESEARCH_LOOP_FOLDER,
  RESEARCH_LOOP_MAX_CONTEXT_BYTES,
  RESEARCH_LOOP_MAX_QUERIES,
  RESEARCH_LOOP_MAX_QUESTION_LENGTH,
  RESEARCH_LOOP_MAX_RESPONSE_BYTES,
  RESEARCH_LOOP_MAX_SOURCES,
  RESEARCH_LOOP_SYSTEM_PROMPT,
  researchLoop,
  researchLoopAssessmentSchema,
  researchLoopQueriesSchema,
  researchLoopSearch,
} from './research-loop';
export type {
  AuditRiskyFinding,
  AuditSecret,
  AuditVulnerability,
  DependencyAudit,
  RiskyPattern,
  SecurityAuditResult,
} from './security-audit';
export {
  SECURITY_AUDIT_FOLDER,
  SECURITY_AUDIT_MAX_FILE_BYTES,
  SECURITY_AUDIT_MAX_FINDINGS,
  SECURITY_AUDIT_NPM_TIMEOUT_MS,
  SECURITY_AUDIT_RISKY_PATTERNS,
  securityAudit,
} from './security-audit';
export type { SecurityReviewFinding, SecurityReviewResult, SecurityReviewSeverity } from './security-review';
export {
  SECURITY_REVIEW_DEFAULT_MAX_BYTES,
  SECURITY_REVIEW_FOLDER,
  SECURITY_REVIEW_MAX_BYTES_LIMIT,
  SECURITY_REVIEW_SEVERITIES,
  SECURITY_REVIEW_SYSTEM_PROMPT,
  securityReview,
  securityReviewSchema,
} from './security-review';
export type { SkillDraftResult } from './skill-draft';
export {
  SKILL_DRAFT_FOLDER,
  SKILL_DRAFT_MAX_CHARS,
  SKILL_DRAFT_SYSTEM_PROMPT,
  skillDraft,
  skillDraftSchema,
} from './skill-draft';
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
  codeQuality,
  codeReview,
  flashcards,
  fmaReview,
  knowledgeSearch,
  leadResearch,
  memoryOptimizer,
  noop,
  penTest,
  planner,
  ragIngest,
  ragQuery,
  researchLoop,
  securityAudit,
  securityReview,
  skillDraft,
  summarize,
  synthesize,
  webSearch,
];
