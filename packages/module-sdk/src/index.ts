export { z } from 'zod';
export { compareVersions, MODULE_VERSION_PATTERN } from './compare-versions';
export type {
  DefineModuleOptions,
  Module,
  ModuleDataSchemaInput,
  ModuleRecordCheckResult,
} from './define-module';
export {
  checkDataSchema,
  defineModule,
  isModule,
  MODULE_IDENTIFIER_PATTERN,
  MODULE_NAME_PATTERN,
  RESERVED_FIELD_NAMES,
} from './define-module';
export type {
  ModuleDefinitionErrorCode,
  ModuleDefinitionErrorOptions,
  ModuleDependencyErrorCode,
  ModuleDependencyErrorOptions,
  ModuleRecordErrorOptions,
  ModuleRecordIssue,
} from './errors';
export {
  ModuleDefinitionError,
  ModuleDependencyError,
  ModuleRecordError,
  ModuleSettingsError,
} from './errors';
export { resolveModuleSettings } from './module-settings';
export type {
  ModuleContextV1,
  ModuleDataSchemaV1,
  ModuleDataV1,
  ModuleFieldType,
  ModuleFieldV1,
  ModuleFieldValue,
  ModuleJsonValue,
  ModuleQueryOptions,
  ModuleRecordCheck,
  ModuleRecordInput,
  ModuleRecordV1,
  ModuleRecordWhere,
  ModuleSettingsV1,
  ModuleTableView,
  ModuleV1,
  ModuleViewCell,
  ModuleViewV1,
} from './module-v1';
export { MODULE_FIELD_TYPES } from './module-v1';
export type { NormalisedModuleView } from './module-view';
export { normaliseModuleView } from './module-view';
export type { ModuleDependencyInfo, ModulePartition } from './order-modules';
export { orderModules, partitionModules } from './order-modules';
export type {
  DeploymentProfile,
  DeploymentProfileDefinition,
  EnableableModule,
  EnabledModulesOptions,
  LauncherConfig,
  ModuleEnableSource,
  ModuleEnableState,
} from './profiles';
export { DEPLOYMENT_PROFILES, enabledModules, resolveModuleStates } from './profiles';
export type { NormalisedRecord, RecordValidation } from './validate-record';
export {
  assertValidRecord,
  MAX_RECORD_BYTES,
  validateRecord,
  validateRecordAgainstSchema,
} from './validate-record';
export { VERSION } from './version';
