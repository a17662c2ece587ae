export type { ModelOutputErrorOptions } from './model-output-error';
export { ModelOutputError } from './model-output-error';
export type { ResearchSourceErrorCode, ResearchSourceErrorOptions } from './research-source-error';
export { ResearchSourceError } from './research-source-error';
export type { SkillInputErrorCode, SkillInputErrorOptions } from './skill-input-error';
export { SkillInputError } from './skill-input-error';
