export { listTree } from './list-tree';
export type { MockModelProviderCall, MockModelProviderOptions, MockScript } from './mock-model-provider';
export { MockModelProvider } from './mock-model-provider';
export type { ModelProviderCaseOptions, ModelProviderCaseSetup } from './model-provider.case';
export { describeModelProviderContract } from './model-provider.case';
export type { ModuleLoads, RecordModuleLoadsOptions } from './record-module-loads';
export { recordModuleLoads } from './record-module-loads';
export type { TempHome } from './temp-home';
export { createTempHome } from './temp-home';
