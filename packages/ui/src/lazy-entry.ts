// The package entry's Ink-facing exports, loaded on first use so that importing @biged/ui loads neither
// Ink, React, @biged/queue nor the module SDK:
// - `startLauncher` imports the self-contained launcher build (dist/launcher/, Ink and React bundled into
//   one file, which loads several times faster than Ink's many modules; see the README, "Start-up");
// - `LauncherApp` renders the component with the host's own `ink` and `react` (as resolved from this
//   package), so an app or test that renders it with its Ink (ink-testing-library) shares one React;
// - `loadModuleHost` and `createModuleHost` import the Module Hub and the module SDK when called.
import { createRequire } from 'node:module';
import { queueOptionsFromConfig } from '@biged/core/startup';
import type * as ReactTypes from 'react';
import type { LauncherAppProps } from './launcher-app';
import type { CreateModuleHostOptions, LoadedModuleHost, ModuleHost } from './module-host';
import type { LauncherHandle, StartLauncherOptions } from './start-launcher';

const requireHere = createRequire(import.meta.url);

/**
 * Imports the launcher build. Ink decides once, when it is evaluated, whether it runs in CI (`CI` or
 * `CONTINUOUS_INTEGRATION` set) and then draws only the last frame on exit. When `stdout` is a terminal,
 * someone is watching: the variables are hidden for the import, then restored (as `biged ui` did for the
 * import of this package when Ink was loaded with it).
 */
async function importLauncher(stdout: NodeJS.WriteStream) {
  if (!stdout.isTTY) return import('./start-launcher');
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  process.env.CI = 'false';
  process.env.CONTINUOUS_INTEGRATION = 'false';
  try {
    return await import('./start-launcher');
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

/**
 * Draws the launcher on the terminal (see the README): its first frame waits on Ink only; the queue, the
 * modules and the Module Hub load after it. A PostgreSQL `[queue] url` is refused at once (a ConfigError
 * thrown here); other start-up failures reject `waitUntilExit()`.
 */
export function startLauncher(options: StartLauncherOptions): LauncherHandle {
  queueOptionsFromConfig(options.config, options.home);
  let stopped = false;
  let handle: LauncherHandle | undefined;
  const started = importLauncher(options.stdout ?? process.stdout).then((module) => {
    handle = module.startLauncher(options);
    if (stopped) handle.stop();
    return handle;
  });
  started.catch(() => {}); // reported by waitUntilExit()
  return {
    waitUntilExit: () => started.then((launcher) => launcher.waitUntilExit()),
    stop: () => {
      stopped = true;
      handle?.stop();
    },
  };
}

type AppComponent = (props: LauncherAppProps) => ReactTypes.ReactElement;
let lazyApp: ReactTypes.LazyExoticComponent<AppComponent> | undefined;

/**
 * The launcher component (props `LauncherAppProps`), for tests and other hosts: render it with your Ink
 * (`render(<LauncherApp data={...} />)` from `ink` or `ink-testing-library`). Its code loads on the first
 * render, so the very first frame is empty for a moment.
 */
export function LauncherApp(props: LauncherAppProps): ReactTypes.ReactElement {
  const React = requireHere('react') as typeof ReactTypes;
  lazyApp ??= React.lazy(() =>
    import('./launcher-app').then((module) => ({ default: module.LauncherApp as AppComponent })),
  );
  return React.createElement(React.Suspense, { fallback: null }, React.createElement(lazyApp, props));
}

/**
 * Discovers the enabled modules of `home` and starts them in a module host (see `createModuleHost` in
 * this package); a module that cannot load is in `loadFailures` and gets no tab.
 */
export async function loadModuleHost(
  options: Omit<CreateModuleHostOptions, 'modules'>,
): Promise<LoadedModuleHost> {
  const module = await import('./module-host');
  return module.loadModuleHost(options);
}

/**
 * A module host over already imported modules (see the README): each module's table registered in
 * tools.db, its stored settings validated and applied; a module that cannot start is in `failures`.
 */
export async function createModuleHost(options: CreateModuleHostOptions): Promise<ModuleHost> {
  const module = await import('./module-host');
  return module.createModuleHost(options);
}
