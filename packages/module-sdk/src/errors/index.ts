export type { ModuleDefinitionErrorCode, ModuleDefinitionErrorOptions } from './module-definition-error';
export { ModuleDefinitionError } from './module-definition-error';
export type { ModuleDependencyErrorCode, ModuleDependencyErrorOptions } from './module-dependency-error';
export { ModuleDependencyError } from './module-dependency-error';
export type { ModuleRecordErrorOptions, ModuleRecordIssue } from './module-record-error';
export { ModuleRecordError } from './module-record-error';
export { ModuleSettingsError } from './module-settings-error';
