export type { CreateInMemoryModuleDataOptions, InMemoryModuleData } from './create-in-memory-module-data';
export { createInMemoryModuleData } from './create-in-memory-module-data';
export type { CreateModuleHarnessOptions, ModuleHarness, ModuleLifecycleRun } from './create-module-harness';
export { createModuleHarness, runModuleLifecycle } from './create-module-harness';
