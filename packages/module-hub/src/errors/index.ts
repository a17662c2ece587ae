export type { HubErrorCode, HubErrorOptions } from './hub-error';
export { HubError } from './hub-error';
export { ModuleLoadError } from './module-load-error';
export type { ModuleStoreErrorCode, ModuleStoreErrorOptions } from './module-store-error';
export { ModuleStoreError } from './module-store-error';
