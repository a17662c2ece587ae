import type { FleetConfig } from '@biged/core';
import { type ModuleDependencyInfo, orderModules } from './order-modules';

/** The deployment profiles of `[launcher] profile`. */
export type DeploymentProfile = 'minimal' | 'research' | 'consulting' | 'full';

/** What a deployment profile turns on. */
export interface DeploymentProfileDefinition {
  /** One line for `biged module list` and the docs. */
  readonly description: string;
  /**
   * Modules the profile turns on by name (`[launcher.profiles.<profile>] modules` in fleet.toml replaces
   * this list), or `'all'` for every installed module.
   */
  readonly modules: readonly string[] | 'all';
  /** Whether modules with `defaultEnabled: true` are on in this profile. */
  readonly includeDefaultEnabled: boolean;
}

/**
 * The built-in profiles (the manual's `DEPLOYMENT_PROFILES`). The built-in tabs (Fleet, Tasks, Fleet Comm,
 * Usage, Thermal, Modules) are always there; profiles only decide which modules join them.
 */
export const DEPLOYMENT_PROFILES: Readonly<Record<DeploymentProfile, DeploymentProfileDefinition>> =
  Object.freeze({
    minimal: Object.freeze({
      description:
        'the built-in tabs only; a module is on only when [launcher.tabs] or an install turns it on',
      modules: Object.freeze([]),
      includeDefaultEnabled: false,
    }),
    research: Object.freeze({
      description: 'the modules that are on by default (DEFAULT_ENABLED)',
      modules: Object.freeze([]),
      includeDefaultEnabled: true,
    }),
    consulting: Object.freeze({
      description: 'the default modules plus client work: crm',
      modules: Object.freeze(['crm']),
      includeDefaultEnabled: true,
    }),
    full: Object.freeze({
      description: 'every installed module',
      modules: 'all',
      includeDefaultEnabled: true,
    }),
  });

/**
 * Why a module is on or off, strongest first:
 * - `tabs`: `[launcher.tabs] <name> = true|false` in fleet.toml.
 * - `hub`: the Module Hub's state file (`<home>/modules/enabled.json`, written by install / enable / disable).
 * - `dependency`: pulled in by an enabled module's DEPENDS_ON, or off because a module it needs is off.
 * - `profile`: named by the deployment profile (or `full`), or off because the profile is `minimal`.
 * - `default`: the module's `defaultEnabled`.
 */
export type ModuleEnableSource = 'tabs' | 'hub' | 'dependency' | 'profile' | 'default';

/** One module's resolved state. */
export interface ModuleEnableState {
  /** The module's name. */
  readonly name: string;
  /** Whether the launcher shows its tab. */
  readonly enabled: boolean;
  /** What decided it. */
  readonly source: ModuleEnableSource;
  /** The decision in words, e.g. `[launcher.tabs] crm = false`. */
  readonly reason: string;
}

/** What `enabledModules` needs of a module. */
export interface EnableableModule extends ModuleDependencyInfo {
  /** DEFAULT_ENABLED. */
  readonly defaultEnabled: boolean;
}

/** The part of fleet.toml the enable decision reads. */
export type LauncherConfig = {
  readonly launcher: Pick<FleetConfig['launcher'], 'profile' | 'tabs' | 'profiles'>;
};

/** Options of `resolveModuleStates` and `enabledModules`. */
export interface EnabledModulesOptions {
  /**
   * Enable flags from the Module Hub's state file (`readEnabledState()` in @biged/module-hub): name ->
   * on/off. `[launcher.tabs]` still wins over it. Default `{}`.
   */
  state?: Readonly<Record<string, boolean>>;
}

/**
 * Decides, for each module, whether it is on and why (see `ModuleEnableSource` for the order). Modules an
 * enabled module depends on are turned on too, unless fleet.toml or the hub state turns them off
 * explicitly, in which case the dependent is off as well. Returns the states in input order.
 */
export function resolveModuleStates(
  config: LauncherConfig,
  modules: readonly EnableableModule[],
  { state = {} }: EnabledModulesOptions = {},
): ModuleEnableState[] {
  const { profile, tabs, profiles } = config.launcher;
  const definition = DEPLOYMENT_PROFILES[profile];
  const listed = profiles[profile]?.modules ?? definition.modules;
  const states = new Map<string, { enabled: boolean; source: ModuleEnableSource; reason: string }>();
  // Modules that must stay off: turned off explicitly, or needing one that is.
  const blocked = new Set<string>();

  for (const module of modules) {
    const { name } = module;
    const tab = tabs[name];
    const hub = Object.hasOwn(state, name) ? state[name] : undefined;
    if (typeof tab === 'boolean') {
      states.set(name, { enabled: tab, source: 'tabs', reason: `[launcher.tabs] ${name} = ${tab}` });
      if (!tab) blocked.add(name);
    } else if (typeof hub === 'boolean') {
      states.set(name, {
        enabled: hub,
        source: 'hub',
        reason: hub ? 'enabled by the Module Hub (install or enable)' : 'disabled with the Module Hub',
      });
      if (!hub) blocked.add(name);
    } else if (listed === 'all' || listed.includes(name)) {
      states.set(name, { enabled: true, source: 'profile', reason: `in the "${profile}" profile` });
    } else if (definition.includeDefaultEnabled) {
      states.set(name, {
        enabled: module.defaultEnabled,
        source: 'default',
        reason: module.defaultEnabled
          ? 'on by default (defaultEnabled)'
          : 'off by default (defaultEnabled is false)',
      });
    } else {
      states.set(name, { enabled: false, source: 'profile', reason: `not in the "${profile}" profile` });
    }
  }

  // Fixpoint: pull in what enabled modules need; switch off what needs a blocked module. `blocked` only
  // grows and nothing blocked is ever pulled in, so this ends.
  let changed = true;
  while (changed) {
    changed = false;
    for (const module of modules) {
      const current = states.get(module.name)!;
      if (!current.enabled) continue;
      for (const dependency of module.dependsOn) {
        const needed = states.get(dependency);
        if (!needed || needed.enabled) continue;
        if (blocked.has(dependency)) {
          states.set(module.name, {
            enabled: false,
            source: 'dependency',
            reason: `needs "${dependency}", which is off (${needed.reason})`,
          });
          blocked.add(module.name);
        } else {
          states.set(dependency, {
            enabled: true,
            source: 'dependency',
            reason: `needed by "${module.name}"`,
          });
        }
        changed = true;
        break;
      }
    }
  }
  return modules.map(({ name }) => ({ name, ...states.get(name)! }));
}

/**
 * The modules the launcher shows, in dependency order: `[launcher] profile` and its
 * `[launcher.profiles.<profile>] modules`, the `[launcher.tabs]` flags and the Module Hub's state decide
 * (see `resolveModuleStates`).
 *
 * @throws ModuleDependencyError when an enabled module's DEPENDS_ON names a module not in `modules`, or
 *   the enabled modules depend on each other in a circle.
 */
export function enabledModules<M extends EnableableModule>(
  config: LauncherConfig,
  modules: readonly M[],
  options: EnabledModulesOptions = {},
): M[] {
  const states = resolveModuleStates(config, modules, options);
  const on = new Set(states.filter((item) => item.enabled).map((item) => item.name));
  return orderModules(modules.filter((module) => on.has(module.name)));
}
