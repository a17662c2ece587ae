import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FleetConfig } from '@biged/core';
import {
  enabledModules,
  isModule,
  MODULE_NAME_PATTERN,
  type Module,
  type ModuleEnableState,
  partitionModules,
  resolveModuleStates,
} from '@biged/module-sdk';
import { readEnabledState } from './enabled-state';
import { ModuleLoadError } from './errors/module-load-error';
import { hubPaths } from './hub-paths';
import { readModuleManifest } from './module-manifest';

/** A module folder that could not be used, and why. */
export interface ModuleLoadFailure {
  /** The folder name. */
  name: string;
  /** The folder. */
  dir: string;
  /** `ModuleLoadError` (manifest, import, export) or the SDK's `ModuleDependencyError` (DEPENDS_ON). */
  error: Error;
}

/** What `discoverModules` found. */
export interface DiscoveredModules {
  /** The modules that loaded, every one after those it depends on. */
  modules: Module[];
  /** The folders that did not load, sorted by name. */
  failures: ModuleLoadFailure[];
}

/** Options for `discoverModules`. */
export interface DiscoverModulesOptions {
  /** The fleet home; modules are the folders of `<home>/modules/`. */
  home: string;
}

async function loadOne(dir: string, name: string): Promise<Module> {
  const fail = (message: string, cause?: unknown) =>
    new ModuleLoadError({ module: name, dir, message, cause });
  const read = await readModuleManifest(dir);
  if ('reason' in read) throw fail(`module "${name}": ${read.reason}`);
  const { manifest } = read;
  if (manifest.name !== name) throw fail(`module.json names "${manifest.name}", but the folder is "${name}"`);
  let entry: string;
  try {
    entry = await realpath(path.join(dir, manifest.entry));
    const root = await realpath(dir);
    const relative = path.relative(root, entry);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      throw fail(`module "${name}": its entry ${manifest.entry} resolves outside the module folder`);
    }
  } catch (error) {
    if (ModuleLoadError.isInstance(error)) throw error;
    throw fail(`module "${name}": entry file ${manifest.entry} not found`, error);
  }
  // The file's mtime in the URL makes a reinstalled module load fresh instead of from the import cache.
  const url = `${pathToFileURL(entry).href}?mtime=${(await stat(entry)).mtimeMs}`;
  let exports: Record<string, unknown>;
  try {
    exports = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw fail(`module "${name}": importing ${manifest.entry} failed: ${(error as Error).message}`, error);
  }
  const module = [exports.default, exports.module].find(isModule);
  if (!module) {
    throw fail(
      `module "${name}": ${manifest.entry} exports no module of specification v1 (export default defineModule({ ... }))`,
    );
  }
  if (module.name !== name) throw fail(`module "${name}": its code is named "${module.name}"`);
  if (module.version !== manifest.version) {
    throw fail(`module "${name}": module.json says version ${manifest.version}, its code ${module.version}`);
  }
  return module;
}

/**
 * Loads every module installed in `<home>/modules/<name>/` (module.json + its ESM entry, imported with a
 * dynamic `import()`), and orders them by DEPENDS_ON. A folder that fails (bad manifest, import error, no
 * module export, name or version mismatch, unmet or circular DEPENDS_ON) is reported in `failures` and
 * does not stop the others. Folders whose names are not module names are ignored.
 */
export async function discoverModules({ home }: DiscoverModulesOptions): Promise<DiscoveredModules> {
  const root = hubPaths(home).modules;
  let names: string[];
  try {
    names = (await readdir(root, { withFileTypes: true }))
      .filter((item) => (item.isDirectory() || item.isSymbolicLink()) && MODULE_NAME_PATTERN.test(item.name))
      .map((item) => item.name)
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { modules: [], failures: [] };
    throw error;
  }
  const loaded: Module[] = [];
  const failures: ModuleLoadFailure[] = [];
  for (const name of names) {
    const dir = path.join(root, name);
    try {
      loaded.push(await loadOne(dir, name));
    } catch (error) {
      failures.push({ name, dir, error: error as Error });
    }
  }
  const { ordered, rejected } = partitionModules(loaded);
  for (const { module, error } of rejected)
    failures.push({ name: module.name, dir: path.join(root, module.name), error });
  failures.sort((a, b) => a.name.localeCompare(b.name));
  return { modules: [...ordered], failures };
}

/** What `loadEnabledModules` returns. */
export interface LoadedModules extends DiscoveredModules {
  /** The enabled modules, in dependency order: the launcher's module tabs. */
  enabled: Module[];
  /** Every loaded module's on/off state and why. */
  states: ModuleEnableState[];
}

/**
 * `discoverModules`, then `enabledModules` with the hub's enabled.json: the modules the launcher shows.
 * `[launcher] profile`, `[launcher.profiles.*]` and `[launcher.tabs]` are read from `config`.
 */
export async function loadEnabledModules({
  home,
  config,
}: DiscoverModulesOptions & { config: Pick<FleetConfig, 'launcher'> }): Promise<LoadedModules> {
  const discovered = await discoverModules({ home });
  const state = await readEnabledState(home);
  return {
    ...discovered,
    enabled: enabledModules(config, discovered.modules, { state }),
    states: resolveModuleStates(config, discovered.modules, { state }),
  };
}
