import { type FleetConfig, fleetPaths, queueOptionsFromConfig } from '@biged/core/startup';
import type { TaskQueue } from '@biged/queue';
import { openQueueReader } from '@biged/queue/read';
import { render } from 'ink';
import { createDeferredLauncherData } from './deferred-launcher-data';
import { LauncherApp, type LauncherModules } from './launcher-app';
import { createLauncherData, type LauncherData } from './launcher-data';
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
 * Draws the launcher on the terminal at once, its Fleet tab read through the drizzle-free queue reader
 * (`@biged/queue/read`), then loads @biged/queue in the background, opens the queue and switches to the
 * full data (see `createDeferredLauncherData`); the app also loads and starts the enabled modules after
 * the first frame (their tabs appear when ready). So the first frame waits on Ink and React only, not on
 * Drizzle, the queue's migrations or the modules' imports. If the queue cannot be opened (a damaged
 * fleet.db), the app closes and `waitUntilExit()` rejects with the queue's error.
 */
export function startLauncher(options: StartLauncherOptions): LauncherHandle {
  const { home, config } = options;
  const paths = fleetPaths(home);
  const queueOptions = queueOptionsFromConfig(config, home); // a PostgreSQL fleet is refused here, synchronously
  let queue: TaskQueue | undefined;
  let quitting = false;
  const opened = new Promise<LauncherData>((resolve, reject) => {
    // After the first frame: loading @biged/queue takes the main thread for a while.
    setImmediate(() => {
      import('@biged/queue')
        .then(({ createQueue, createUsageLedger }) => {
          if (quitting) throw new Error('the launcher quit before the queue opened');
          queue = createQueue(queueOptions);
          return createLauncherData({ queue, ledger: createUsageLedger({ queue }), paths });
        })
        .then(resolve, reject);
    });
  });
  const data = createDeferredLauncherData({
    full: opened,
    reader: openQueueReader({ file: queueOptions.file }),
    paths,
  });
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
  // render()'s unmount() drops an error argument, so the failure is kept here and rethrown after exit.
  let openFailure: unknown;
  opened.catch((error: unknown) => {
    if (quitting) return;
    openFailure = error;
    app.unmount();
  });
  const done = app
    .waitUntilExit()
    .finally(async () => {
      quitting = true;
      data.close();
      await current.host?.close().catch(() => {});
      await opened.then(
        () => queue?.close(),
        () => {},
      );
    })
    .then(() => {
      if (openFailure !== undefined) throw openFailure;
    });
  return { waitUntilExit: () => done, stop: () => app.unmount() };
}
