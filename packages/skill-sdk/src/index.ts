export { z } from 'zod';
export type {
  CreateInMemorySkillQueueOptions,
  InMemoryHumanAnswers,
  InMemorySkillQueue,
  SpawnedTask,
} from './create-in-memory-skill-queue';
export { createInMemorySkillQueue } from './create-in-memory-skill-queue';
export type { CreateSkillFsOptions } from './create-skill-fs';
export { createSkillFs } from './create-skill-fs';
export type { CreateSkillModelsOptions, SkillModelRouter } from './create-skill-models';
export { createSkillModels } from './create-skill-models';
export type { SkillRegistry } from './create-skill-registry';
export { createSkillRegistry } from './create-skill-registry';
export type { DefineSkillOptions, Skill } from './define-skill';
export { DEFAULT_SKILL_TIMEOUT_MS, defineSkill, isSkill, SKILL_NAME_PATTERN } from './define-skill';
export type { SkillFsAccess } from './errors';
export {
  HumanInputRequiredError,
  SkillCancelledError,
  SkillDefinitionError,
  SkillFsError,
  SkillLoadError,
  SkillModelsUnavailableError,
  SkillNetworkDisabledError,
  SkillNotAllowedError,
  SkillNotFoundError,
  SkillResultError,
  SkillTimeoutError,
} from './errors';
export type { LoadSkillsFromPackageOptions } from './load-skills';
export { loadSkillsFromDirectory, loadSkillsFromPackage } from './load-skills';
export type { RunSkillOptions, RunSkillQueue, RunSkillResult } from './run-skill';
export { parseSkillPayload, runSkill } from './run-skill';
export { skillModeRefusal } from './skill-mode-refusal';
export type {
  AskHumanInput,
  HumanAnswer,
  SkillContext,
  SkillEmbedRequest,
  SkillFs,
  SkillModelRequest,
  SkillModels,
  SkillPayloadSchema,
  SkillQueue,
  SkillTaskInfo,
  SkillV1,
  SkillWalkEntry,
  SkillWalkIgnoreEntry,
  SkillWalkOptions,
  SpawnTaskInput,
} from './skill-v1';
export { VERSION } from './version';
