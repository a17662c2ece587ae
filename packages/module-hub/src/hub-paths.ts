import path from 'node:path';
import { MODULE_NAME_PATTERN } from '@biged/module-sdk';
import { HubError } from './errors/hub-error';

/** Where the Module Hub keeps things inside a fleet home (see docs/architecture.md, "Modules"). */
export interface HubPaths {
  /** The fleet home. */
  home: string;
  /** `<home>/tools.db`: the module data store. */
  toolsDb: string;
  /** `<home>/modules`: one folder per installed module. */
  modules: string;
  /** `<home>/modules/enabled.json`: enable flags written by install / enable / disable. */
  enabledState: string;
  /** `<home>/run/hub-staging`: downloads and unpacked bundles before they are checked and moved into place. */
  staging: string;
}

/** The Module Hub's paths inside `home` (made absolute). */
export function hubPaths(home: string): HubPaths {
  const root = path.resolve(home);
  return {
    home: root,
    toolsDb: path.join(root, 'tools.db'),
    modules: path.join(root, 'modules'),
    enabledState: path.join(root, 'modules', 'enabled.json'),
    staging: path.join(root, 'run', 'hub-staging'),
  };
}

/** `<home>/tools.db`, the module data store (the manual's launcher `data/tools.db`). */
export function toolsDbPath(home: string): string {
  return hubPaths(home).toolsDb;
}

/**
 * Throws `HubError` (`HUB_INVALID_NAME`) unless `name` matches `/^[a-z][a-z0-9_-]{0,63}$/`: a name is a
 * folder under modules/, so `..`, `/`, upper case and the like never reach the file system.
 */
export function assertModuleName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !MODULE_NAME_PATTERN.test(name)) {
    throw new HubError({
      code: 'HUB_INVALID_NAME',
      module: typeof name === 'string' ? name : undefined,
      message: `invalid module name ${JSON.stringify(name)}: use 1-64 lower case letters, digits, "_" or "-", starting with a letter`,
    });
  }
}

/** `<home>/modules/<name>`, after checking the name (`HUB_INVALID_NAME`). */
export function moduleDir(home: string, name: string): string {
  assertModuleName(name);
  return path.join(hubPaths(home).modules, name);
}
