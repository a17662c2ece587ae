import { describe, expect, it } from 'vitest';
import { ModuleDefinitionError, ModuleDependencyError } from './errors';
import { orderModules, partitionModules } from './order-modules';

const m = (name: string, ...dependsOn: string[]) => ({ name, dependsOn });
const names = (modules: readonly { name: string }[]) => modules.map((module) => module.name);

function dependencyError(run: () => unknown): ModuleDependencyError {
  try {
    run();
  } catch (error) {
    expect(ModuleDependencyError.isInstance(error)).toBe(true);
    return error as ModuleDependencyError;
  }
  throw new Error('expected a ModuleDependencyError');
}

describe('orderModules', () => {
  it('puts dependencies first and otherwise keeps the input order', () => {
    expect(
      names(orderModules([m('report', 'crm', 'billing'), m('notes'), m('billing', 'crm'), m('crm')])),
    ).toEqual(['crm', 'billing', 'report', 'notes']);
    expect(names(orderModules([m('b'), m('a')]))).toEqual(['b', 'a']);
    expect(orderModules([])).toEqual([]);
  });

  it('names the chain to a missing dependency', () => {
    const error = dependencyError(() => orderModules([m('report', 'crm'), m('crm', 'contacts')]));
    expect(error).toMatchObject({
      code: 'MODULE_DEPENDENCY_MISSING',
      module: 'report',
      chain: ['report', 'crm', 'contacts'],
    });
    expect(error.message).toMatch(/"report" cannot load: it depends on "crm" \(report -> crm -> contacts\)/);
    expect(error.message).toMatch(/"crm" depends on "contacts", which is not installed/);
  });

  it('names a missing direct dependency', () => {
    const error = dependencyError(() => orderModules([m('crm', 'contacts')]));
    expect(error).toMatchObject({
      code: 'MODULE_DEPENDENCY_MISSING',
      module: 'crm',
      chain: ['crm', 'contacts'],
    });
    expect(error.hint).toMatch(/biged module install contacts/);
  });

  it('names the cycle, first name repeated', () => {
    const error = dependencyError(() => orderModules([m('a', 'b'), m('b', 'c'), m('c', 'a')]));
    expect(error).toMatchObject({ code: 'MODULE_DEPENDENCY_CYCLE', chain: ['a', 'b', 'c', 'a'] });
    expect(error.message).toBe('modules depend on each other in a circle: a -> b -> c -> a');
  });

  it('reports a module leading into a cycle with the path into it', () => {
    const error = dependencyError(() => orderModules([m('top', 'x'), m('x', 'y'), m('y', 'x')]));
    expect(error).toMatchObject({
      code: 'MODULE_DEPENDENCY_CYCLE',
      module: 'top',
      chain: ['top', 'x', 'y', 'x'],
    });
  });

  it('refuses two modules with one name', () => {
    try {
      orderModules([m('a'), m('a')]);
      expect.unreachable();
    } catch (error) {
      expect(ModuleDefinitionError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'MODULE_DUPLICATE_NAME', module: 'a' });
    }
  });
});

describe('partitionModules', () => {
  it('keeps what can load and rejects the rest with reasons', () => {
    const { ordered, rejected } = partitionModules([
      m('report', 'crm'),
      m('crm', 'contacts'),
      m('notes'),
      m('a', 'b'),
      m('b', 'a'),
      m('uses_a', 'a'),
      m('billing', 'notes'),
    ]);
    expect(names(ordered)).toEqual(['notes', 'billing']);
    expect(rejected.map(({ module, error }) => [module.name, error.code, error.chain])).toEqual([
      ['report', 'MODULE_DEPENDENCY_MISSING', ['report', 'crm', 'contacts']],
      ['crm', 'MODULE_DEPENDENCY_MISSING', ['crm', 'contacts']],
      ['a', 'MODULE_DEPENDENCY_CYCLE', ['a', 'b', 'a']],
      ['b', 'MODULE_DEPENDENCY_CYCLE', ['a', 'b', 'a']],
      ['uses_a', 'MODULE_DEPENDENCY_CYCLE', ['uses_a', 'a', 'b', 'a']],
    ]);
  });
});
