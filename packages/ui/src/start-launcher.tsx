import { type FleetConfig, fleetPaths, queueOptionsFromConfig } from '@biged/core';
import { createQueue } from '@biged/queue';
import { render } from 'ink';
import { LauncherApp, type LauncherModules } from './launcher-app';
import { createLauncherData } from './launcher-data';
import type { LauncherChat } from './tabs/comm-tab';
import type { LauncherHub } from './tabs/modules-tab';

/** Options of `startLauncher`. */
export interface StartLauncherOptions {
  /** The fleet home. */
  home: string;
  /** Its validated fleet.toml. */
  config: FleetConfig;
  /** Manual chat with the local model (the CLI passes one built on the fleet's router). Default: none. */
  chat?: LauncherChat;
  /** The tab shown first (see `LauncherAppProps.initialTab`). Default `fleet`. */
  initialTab?: string;
  /** Data refresh interval in ms. Default 1000. */
  refreshMs?: number;
  /** Where the app reads keys. Default `process.stdin`. */
  stdin?: NodeJS.ReadStream;
  /** Where the app draws. Default `process.stdout`. */
  stdout?: NodeJS.WriteStream;
}

/** A running launcher. */
export interface LauncherHandle {
  /** Resolves once the user quit and everything (modules, store, queue) is closed. */
  waitUntilExit(): Promise<void>;
  /** Quits from outside (e.g. on SIGTERM). */
  stop(): void;
}

const asFailures = (failures: readonly { name: string; error: Error }[]) =>
  failures.map((failure) => ({ name: failure.name, message: failure.error.message }));

/**
 * Opens the fleet's queue and draws the launcher on the terminal; the app then loads and starts the
 * enabled modules (their tabs appear when ready), so start-up costs only the queue open and the first
 * render, not the modules' imports.
 */
export function startLauncher(options: StartLauncherOptions): LauncherHandle {
  const { home, config } = options;
  const paths = fleetPaths(home);
  const queue = createQueue(queueOptionsFromConfig(config, home));
  const data = createLauncherData({ queue, paths });
  // The Module Hub (tar, tools.db) and the module host are imported after the first frame, on first use.
  let hubReady: Promise<LauncherHub> | undefined;
  const openHub = () => {
    hubReady ??= import('@biged/module-hub').then(({ createModuleHub }) => createModuleHub({ home, config }));
    return hubReady;
  };
  const hub: LauncherHub = {
    listInstalled: async () => (await openHub()).listInstalled(),
    listAvailable: async () => (await openHub()).listAvailable(),
    install: async (name, installOptions) => (await openHub()).install(name, installOptions),
    setEnabled: async (name, enabled) => (await openHub()).setEnabled(name, enabled),
  };
  let current: LauncherModules = { host: undefined, loadFailures: [] };
  const loadModules = async (): Promise<LauncherModules> => {
    const { loadModuleHost } = await import('./module-host');
    const { host, loadFailures } = await loadModuleHost({ home, config });
    current = { host, loadFailures: asFailures(loadFailures) };
    return current;
  };
  const app = render(
    <LauncherApp
      data={data}
      hub={hub}
      chat={options.chat}
      loadModules={loadModules}
      initialTab={options.initialTab}
      refreshMs={options.refreshMs}
    />,
    {
      stdin: options.stdin ?? process.stdin,
      stdout: options.stdout ?? process.stdout,
      exitOnCtrlC: true,
      patchConsole: true,
    },
  );
  const done = app.waitUntilExit().finally(async () => {
    await current.host?.close().catch(() => {});
    queue.close();
  });
  return { waitUntilExit: () => done.then(() => {}), stop: () => app.unmount() };
}
