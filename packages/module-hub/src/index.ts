export type { BundleLimits, BundleListing } from './bundle';
export { checksumMatches, safeEntryPath, sha256Hex } from './bundle';
export type {
  AvailableModule,
  AvailableModules,
  CreateModuleHubOptions,
  InstalledModule,
  InstallFromFileOptions,
  InstallResult,
  ModuleHub,
  ModuleUpdate,
  SourceFailure,
} from './create-module-hub';
export { createModuleHub } from './create-module-hub';
export type {
  DiscoveredModules,
  DiscoverModulesOptions,
  LoadedModules,
  ModuleLoadFailure,
} from './discover-modules';
export { discoverModules, loadEnabledModules } from './discover-modules';
export { readEnabledState, writeEnabledFlag } from './enabled-state';
export type { HubErrorCode, HubErrorOptions, ModuleStoreErrorCode, ModuleStoreErrorOptions } from './errors';
export { HubError, ModuleLoadError, ModuleStoreError } from './errors';
export type { HubPaths } from './hub-paths';
export { assertModuleName, hubPaths, moduleDir, toolsDbPath } from './hub-paths';
export type { InstallRecord, ModuleManifest } from './module-manifest';
export {
  INSTALL_RECORD_FILE,
  MODULE_MANIFEST_FILE,
  moduleManifestSchema,
  parseModuleManifest,
  readModuleManifest,
} from './module-manifest';
export type {
  CreateModuleStoreOptions,
  ModuleStore,
  ModuleTableInfo,
  PruneResult,
} from './module-store';
export { createModuleStore } from './module-store';
export type { PublisherKey } from './publisher-keys';
export { parsePublisherKeys, verifySignature } from './publisher-keys';
export type { ParsedRegistry, RefusedRegistryEntry, RegistryEntry } from './registry';
export { parseRegistry, registryEntrySchema } from './registry';
export type { RegistrySource, SkippedSource } from './registry-sources';
export { registryUrlOf, resolveRegistrySources } from './registry-sources';
export { VERSION } from './version';
