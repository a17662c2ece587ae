// The entry loads no Ink, React, @biged/queue or module SDK code: `startLauncher`, `LauncherApp`,
// `createModuleHost` and `loadModuleHost` import theirs on first use (see lazy-entry.ts).
export type { CreateDeferredLauncherDataOptions, DeferredLauncherData } from './deferred-launcher-data';
export { createDeferredLauncherData } from './deferred-launcher-data';
export type { LauncherErrorCode, LauncherErrorOptions } from './errors/launcher-error';
export { LauncherError } from './errors/launcher-error';
export type { LauncherChat } from './hitl-keys';
export { HITL_KEYS } from './hitl-keys';
export type { LauncherAppProps, LauncherModules } from './launcher-app';
export type {
  CreateLauncherDataOptions,
  FleetView,
  LauncherData,
  ThermalView,
  UsageRowView,
  UsageView,
} from './launcher-data';
export { createLauncherData } from './launcher-data';
export { createModuleHost, LauncherApp, loadModuleHost, startLauncher } from './lazy-entry';
export type { CreateModuleHostOptions, LoadedModuleHost, ModuleHost, ModuleTab } from './module-host';
export { sparkline } from './sparkline';
export type { LauncherHandle, StartLauncherOptions } from './start-launcher';
export { BUILT_IN_TABS } from './tab-ids';
export type { LauncherHub } from './tabs/modules-tab';
export type { RenderTaskGraphOptions, TaskGraph } from './task-graph';
export { renderTaskGraph } from './task-graph';
export { VERSION } from './version';
