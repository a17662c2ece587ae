export { SkillCancelledError } from './skill-cancelled-error';
export { SkillDefinitionError } from './skill-definition-error';
export type { SkillFsAccess } from './skill-fs-error';
export { SkillFsError } from './skill-fs-error';
export { SkillLoadError } from './skill-load-error';
export { SkillNetworkDisabledError } from './skill-network-disabled-error';
export { SkillNotFoundError } from './skill-not-found-error';
export { SkillResultError } from './skill-result-error';
export { SkillTimeoutError } from './skill-timeout-error';
