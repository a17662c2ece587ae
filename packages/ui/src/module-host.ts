import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createSilentLogger, type FleetConfig, type FleetPaths, fleetPaths, type Logger } from '@biged/core';
import {
  createModuleStore,
  loadEnabledModules,
  type ModuleLoadFailure,
  type ModuleStore,
} from '@biged/module-hub';
import {
  type ModuleContextV1,
  type ModuleDataV1,
  type ModuleV1,
  type NormalisedModuleView,
  normaliseModuleView,
  type RecordValidation,
  resolveModuleSettings,
  validateRecord,
} from '@biged/module-sdk';

/** One module tab. */
export interface ModuleTab {
  /** The module's NAME. */
  readonly name: string;
  /** Its LABEL: the tab title. */
  readonly label: string;
  /** Its VERSION. */
  readonly version: string;
}

/** Options of `createModuleHost`. */
export interface CreateModuleHostOptions {
  /** The fleet home (module settings live in `<home>/modules/settings.json`). */
  home: string;
  /** The fleet config the modules see. */
  config: FleetConfig;
  /** The enabled modules, in dependency order (`loadEnabledModules(...).enabled`). */
  modules: readonly ModuleV1[];
  /** Where module tables live. Default: `createModuleStore({ home })` (`<home>/tools.db`), closed by `close()`. */
  store?: ModuleStore;
  /** Logger handed to modules (tagged with the module name). Default: silent (the terminal belongs to the UI). */
  log?: Logger;
}

/**
 * The launcher side of the module contract: starts each module (its table registered in tools.db, its
 * stored settings validated and applied) and runs its lifecycle: render, refresh, close, settings
 * get/apply, export_data and validate_record. A module that fails to start is listed in `failures` and
 * gets no tab; the others still start.
 */
export interface ModuleHost {
  /** The started modules' tabs, in dependency order. */
  readonly tabs: readonly ModuleTab[];
  /** Modules that could not be started (bad stored settings, a table clash, a throwing `apply`). */
  readonly failures: readonly { name: string; message: string }[];
  /** build_tab: the module's view, normalised (`normaliseModuleView`). */
  render(name: string): Promise<NormalisedModuleView>;
  /** on_refresh. */
  refresh(name: string): Promise<void>;
  /** get_settings: the module's `settings.get`, or the settings last applied. */
  getSettings(name: string): Promise<Record<string, unknown>>;
  /** apply_settings: validates `raw` (throws `ModuleSettingsError`), applies it, and stores it for next time. */
  applySettings(name: string, raw: unknown): Promise<Record<string, unknown>>;
  /** export_data: every record the module exports. */
  exportData(name: string): Promise<Readonly<Record<string, unknown>>[]>;
  /**
   * export_data written to `<home>/exports/<name>-<time>.json`; resolves with the file and the count.
   */
  exportToFile(name: string): Promise<{ file: string; count: number }>;
  /** validate_record: the DATA_SCHEMA and then the module's own rules. */
  validate(name: string, record: unknown): RecordValidation;
  /** on_close for every module (in reverse order), aborting their signals; then closes the store it opened. */
  close(): Promise<void>;
}

interface Running {
  module: ModuleV1;
  data: ModuleDataV1 | undefined;
  settings: Record<string, unknown>;
  controller: AbortController;
  context(): ModuleContextV1;
}

const settingsFile = (home: string) => path.join(home, 'modules', 'settings.json');

function readStoredSettings(home: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(readFileSync(settingsFile(home), 'utf8')) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Starts the given modules; see `ModuleHost`. */
export async function createModuleHost(options: CreateModuleHostOptions): Promise<ModuleHost> {
  const { home, config } = options;
  const paths: FleetPaths = fleetPaths(home);
  const ownStore = options.store === undefined;
  let store: ModuleStore | undefined = options.store;
  const baseLog = options.log ?? createSilentLogger();
  const stored = readStoredSettings(home);
  const running = new Map<string, Running>();
  const failures: { name: string; message: string }[] = [];

  for (const module of options.modules) {
    try {
      if (module.dataSchema && !store) store = createModuleStore({ home });
      const data = module.dataSchema && store ? store.register(module) : undefined;
      const controller = new AbortController();
      const log = baseLog.child({ module: module.name });
      const entry: Running = {
        module,
        data,
        controller,
        settings: resolveModuleSettings(module, stored[module.name]) as Record<string, unknown>,
        context: () => ({
          config,
          paths,
          data,
          settings: entry.settings,
          log,
          signal: controller.signal,
        }),
      };
      await module.settings?.apply?.(entry.settings, entry.context());
      running.set(module.name, entry);
    } catch (error) {
      failures.push({ name: module.name, message: message(error) });
    }
  }

  const get = (name: string): Running => {
    const entry = running.get(name);
    if (!entry) throw new Error(`module "${name}" is not running in this launcher`);
    return entry;
  };

  const host: ModuleHost = {
    tabs: [...running.values()].map(({ module }) => ({
      name: module.name,
      label: module.label,
      version: module.version,
    })),
    failures,
    async render(name) {
      const entry = get(name);
      return normaliseModuleView(entry.module, await entry.module.render(entry.context()));
    },
    async refresh(name) {
      const entry = get(name);
      await entry.module.refresh(entry.context());
    },
    async getSettings(name) {
      const entry = get(name);
      const got = entry.module.settings?.get
        ? await entry.module.settings.get(entry.context())
        : entry.settings;
      return { ...(got as Record<string, unknown>) };
    },
    async applySettings(name, raw) {
      const entry = get(name);
      const next = resolveModuleSettings(entry.module, raw) as Record<string, unknown>;
      entry.settings = next;
      await entry.module.settings?.apply?.(next, entry.context());
      const all = { ...readStoredSettings(home), [name]: raw };
      mkdirSync(path.dirname(settingsFile(home)), { recursive: true });
      writeFileSync(settingsFile(home), `${JSON.stringify(all, null, 2)}\n`);
      return next;
    },
    async exportData(name) {
      const entry = get(name);
      return [...(await entry.module.exportData(entry.context()))];
    },
    async exportToFile(name) {
      const rows = await host.exportData(name);
      const folder = path.join(home, 'exports');
      mkdirSync(folder, { recursive: true });
      const file = path.join(folder, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
      writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
      return { file, count: rows.length };
    },
    validate(name, record) {
      return validateRecord(get(name).module, record);
    },
    async close() {
      for (const entry of [...running.values()].reverse()) {
        try {
          await entry.module.close(entry.context());
        } catch {
          // One module failing to close must not keep the others open.
        } finally {
          entry.controller.abort(new Error(`module "${entry.module.name}" closed`));
        }
      }
      running.clear();
      if (ownStore) store?.close();
    },
  };
  return host;
}

/** What `loadModuleHost` found: the host plus the modules that failed to load at all. */
export interface LoadedModuleHost {
  host: ModuleHost;
  /** Module folders that could not be imported or ordered (see `discoverModules`). */
  loadFailures: readonly ModuleLoadFailure[];
}

/** Discovers the enabled modules of a fleet home (`loadEnabledModules`) and starts them (`createModuleHost`). */
export async function loadModuleHost(
  options: Omit<CreateModuleHostOptions, 'modules'>,
): Promise<LoadedModuleHost> {
  const loaded = await loadEnabledModules({ home: options.home, config: options.config });
  const host = await createModuleHost({ ...options, modules: loaded.enabled });
  return { host, loadFailures: loaded.failures };
}
