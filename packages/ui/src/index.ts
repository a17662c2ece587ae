export type { LauncherAppProps, LauncherModules } from './launcher-app';
export { BUILT_IN_TABS, LauncherApp } from './launcher-app';
export type {
  CreateLauncherDataOptions,
  FleetView,
  LauncherData,
  ThermalView,
  UsageRowView,
  UsageView,
} from './launcher-data';
export { createLauncherData } from './launcher-data';
export type { CreateModuleHostOptions, LoadedModuleHost, ModuleHost, ModuleTab } from './module-host';
export { createModuleHost, loadModuleHost } from './module-host';
export { sparkline } from './sparkline';
export type { LauncherHandle, StartLauncherOptions } from './start-launcher';
export { startLauncher } from './start-launcher';
export type { LauncherChat } from './tabs/comm-tab';
export { HITL_KEYS } from './tabs/comm-tab';
export type { LauncherHub } from './tabs/modules-tab';
export type { RenderTaskGraphOptions, TaskGraph } from './task-graph';
export { renderTaskGraph } from './task-graph';
export { VERSION } from './version';
