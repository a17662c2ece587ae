import { ModuleDefinitionError } from './errors/module-definition-error';
import { ModuleDependencyError } from './errors/module-dependency-error';

/** What ordering needs of a module: its name and DEPENDS_ON. */
export interface ModuleDependencyInfo {
  /** The module's name. */
  readonly name: string;
  /** Names of the modules it needs first. */
  readonly dependsOn: readonly string[];
}

/** The result of `partitionModules`: what can load, in order, and what cannot, with why. */
export interface ModulePartition<M extends ModuleDependencyInfo> {
  /** The loadable modules, every module after the ones it depends on. */
  readonly ordered: readonly M[];
  /** Modules whose DEPENDS_ON cannot be met, in input order, each with its `ModuleDependencyError`. */
  readonly rejected: readonly { readonly module: M; readonly error: ModuleDependencyError }[];
}

const arrow = (chain: readonly string[]) => chain.join(' -> ');

function checkUnique(modules: readonly ModuleDependencyInfo[]): void {
  const seen = new Set<string>();
  for (const { name } of modules) {
    if (seen.has(name)) {
      throw new ModuleDefinitionError({
        code: 'MODULE_DUPLICATE_NAME',
        module: name,
        message: `two modules are named "${name}"`,
        hint: 'uninstall one of them, or rename it (the name is also its folder under modules/)',
      });
    }
    seen.add(name);
  }
}

/**
 * Splits modules into those whose DEPENDS_ON can be met (dependency order, otherwise the input order) and
 * those that cannot load: a missing dependency, a cycle, or a dependency that is itself rejected. Use it
 * where one broken module must not stop the others (the launcher); `orderModules` is the strict form.
 *
 * @throws ModuleDefinitionError `MODULE_DUPLICATE_NAME` when two modules share a name.
 */
export function partitionModules<M extends ModuleDependencyInfo>(modules: readonly M[]): ModulePartition<M> {
  checkUnique(modules);
  const byName = new Map(modules.map((module) => [module.name, module]));
  const errors = new Map<string, ModuleDependencyError>();
  const done = new Set<string>();
  const ordered: M[] = [];
  const path: string[] = [];

  // Depth-first: a module is placed once all its dependencies are; `path` is the chain being resolved,
  // so meeting a name already on it closes a cycle.
  const visit = (name: string): ModuleDependencyError | undefined => {
    if (done.has(name)) return errors.get(name);
    const module = byName.get(name)!;
    path.push(name);
    let failure: ModuleDependencyError | undefined;
    for (const dependency of module.dependsOn) {
      const onPath = path.indexOf(dependency);
      if (onPath !== -1) {
        const chain = [...path.slice(onPath), dependency];
        failure = new ModuleDependencyError({
          code: 'MODULE_DEPENDENCY_CYCLE',
          module: name,
          chain,
          message: `modules depend on each other in a circle: ${arrow(chain)}`,
          hint: 'remove one of these DEPENDS_ON entries',
        });
        // Every module on the circle is rejected with the same chain.
        for (const member of path.slice(onPath)) errors.set(member, failure);
        break;
      }
      if (!byName.has(dependency)) {
        const chain = [name, dependency];
        failure = new ModuleDependencyError({
          code: 'MODULE_DEPENDENCY_MISSING',
          module: name,
          chain,
          message: `module "${name}" depends on "${dependency}", which is not installed (${arrow(chain)})`,
          hint: `install it (biged module install ${dependency}) or remove "${name}"`,
        });
        break;
      }
      const inner = visit(dependency);
      if (inner) {
        // The dependency cannot load: so neither can this module. The chain starts here and follows the
        // dependency's own chain (to the missing name, or into the circle).
        const at = inner.chain.indexOf(dependency);
        const chain = [name, ...(at === -1 ? [dependency, ...inner.chain] : inner.chain.slice(at))];
        failure = new ModuleDependencyError({
          code: inner.code,
          module: name,
          chain,
          message: `module "${name}" cannot load: it depends on "${dependency}" (${arrow(chain)}), and ${inner.message}`,
          hint: inner.hint,
        });
        break;
      }
    }
    path.pop();
    if (!done.has(name)) {
      done.add(name);
      if (failure) errors.set(name, errors.get(name) ?? failure);
      else ordered.push(module);
    }
    return errors.get(name);
  };

  for (const module of modules) visit(module.name);
  const rejected = modules
    .filter((module) => errors.has(module.name))
    .map((module) => ({ module, error: errors.get(module.name)! }));
  return { ordered, rejected };
}

/**
 * Orders modules so each comes after every module in its DEPENDS_ON (otherwise the input order is kept).
 *
 * @throws ModuleDependencyError `MODULE_DEPENDENCY_MISSING` (a DEPENDS_ON names a module not in the list;
 *   `chain` leads to it) or `MODULE_DEPENDENCY_CYCLE` (`chain` is the circle, first name repeated last),
 *   for the first module in input order that cannot load.
 * @throws ModuleDefinitionError `MODULE_DUPLICATE_NAME` when two modules share a name.
 */
export function orderModules<M extends ModuleDependencyInfo>(modules: readonly M[]): M[] {
  const { ordered, rejected } = partitionModules(modules);
  const first = rejected[0];
  if (first) throw first.error;
  return [...ordered];
}
