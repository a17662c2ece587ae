import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ModuleDependencyError } from '@biged/module-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverModules, loadEnabledModules } from './discover-modules';
import { writeEnabledFlag } from './enabled-state';
import { ModuleLoadError } from './errors';
import { fleetConfig, moduleSource, SDK_URL, tempDir, writeTree } from './hub-test-helpers';

let home: ReturnType<typeof tempDir>;
beforeEach(() => {
  home = tempDir();
});
afterEach(() => {
  home.cleanup();
});

const install = (name: string, files: Record<string, string>) =>
  writeTree(path.join(home.dir, 'modules', name), files);
const failuresOf = async () =>
  (await discoverModules({ home: home.dir })).failures.map(({ name, error }) => [name, error.message]);

describe('discoverModules', () => {
  it('finds nothing in a home without modules/', async () => {
    expect(await discoverModules({ home: home.dir })).toEqual({ modules: [], failures: [] });
  });

  it('imports each module folder and orders them by DEPENDS_ON', async () => {
    install('report', moduleSource({ name: 'report', dependsOn: ['crm', 'billing'] }));
    install('billing', moduleSource({ name: 'billing', dependsOn: ['crm'] }));
    install('crm', moduleSource({ name: 'crm' }));
    install('notes', moduleSource({ name: 'notes' }));
    writeFileSync(path.join(home.dir, 'modules', 'enabled.json'), '{}');
    mkdirSync(path.join(home.dir, 'modules', 'Not A Module'));
    const { modules, failures } = await discoverModules({ home: home.dir });
    expect(failures).toEqual([]);
    expect(modules.map((module) => module.name)).toEqual(['crm', 'billing', 'notes', 'report']);
    expect(await modules[0]?.render({} as never)).toEqual(['hello from crm 1.0.0']);
  });

  it('accepts a `module` named export and a custom entry file', async () => {
    install('clock', {
      ...moduleSource({
        name: 'clock',
        manifest: { entry: 'dist/main.mjs' },
        code: '',
      }),
      'dist/main.mjs': `import { defineModule } from ${JSON.stringify(SDK_URL)};
export const module = defineModule({ name: 'clock', label: 'Clock', version: '1.0.0' });`,
    });
    expect((await discoverModules({ home: home.dir })).modules.map((module) => module.label)).toEqual([
      'Clock',
    ]);
  });

  it('reports each broken folder and still loads the rest', async () => {
    install('good', moduleSource({ name: 'good' }));
    install('nomanifest', { 'index.js': 'export default {}' });
    install('badjson', { 'module.json': '{ nope' });
    install('wrongname', moduleSource({ name: 'other' }));
    install('throws', moduleSource({ name: 'throws', code: 'throw new Error("boom at import");' }));
    install('noexport', moduleSource({ name: 'noexport', code: 'export const x = 1;' }));
    install('codename', {
      ...moduleSource({ name: 'codename' }),
      'index.js': moduleSource({ name: 'renamed' })['index.js']!,
    });
    install('badversion', {
      ...moduleSource({ name: 'badversion', version: '2.0.0' }),
      'module.json': '{"name":"badversion","version":"1.0.0"}',
    });
    install('noentry', { 'module.json': '{"name":"noentry","version":"1.0.0","entry":"missing.js"}' });
    install('needs', moduleSource({ name: 'needs', dependsOn: ['absent'] }));
    install('loop-a', moduleSource({ name: 'loop-a', dependsOn: ['loop-b'] }));
    install('loop-b', moduleSource({ name: 'loop-b', dependsOn: ['loop-a'] }));
    const { modules, failures } = await discoverModules({ home: home.dir });
    expect(modules.map((module) => module.name)).toEqual(['good']);
    expect(failures.map(({ name, error }) => [name, error.message])).toEqual([
      ['badjson', expect.stringMatching(/module.json is not valid JSON/)],
      ['badversion', 'module "badversion": module.json says version 1.0.0, its code 2.0.0'],
      ['codename', 'module "codename": its code is named "renamed"'],
      ['loop-a', 'modules depend on each other in a circle: loop-a -> loop-b -> loop-a'],
      ['loop-b', 'modules depend on each other in a circle: loop-a -> loop-b -> loop-a'],
      ['needs', expect.stringMatching(/"needs" depends on "absent", which is not installed/)],
      ['noentry', 'module "noentry": entry file missing.js not found'],
      ['noexport', expect.stringMatching(/exports no module of specification v1/)],
      ['nomanifest', 'module "nomanifest": no module.json'],
      ['throws', expect.stringMatching(/importing index.js failed: boom at import/)],
      ['wrongname', 'module.json names "other", but the folder is "wrongname"'],
    ]);
    for (const { name, error } of failures) {
      const expected = name.startsWith('loop') || name === 'needs' ? ModuleDependencyError : ModuleLoadError;
      expect(expected.isInstance(error), name).toBe(true);
    }
  });

  it('refuses an entry that resolves outside the module folder', async () => {
    const outside = path.join(home.dir, 'outside.js');
    writeFileSync(outside, 'export default {}');
    install('sneaky', { 'module.json': '{"name":"sneaky","version":"1.0.0"}' });
    symlinkSync(outside, path.join(home.dir, 'modules', 'sneaky', 'index.js'));
    expect(await failuresOf()).toEqual([
      ['sneaky', 'module "sneaky": its entry index.js resolves outside the module folder'],
    ]);
    install('dotdot', { 'module.json': '{"name":"dotdot","version":"1.0.0","entry":"../outside.js"}' });
    expect((await failuresOf())[0]).toEqual([
      'dotdot',
      expect.stringMatching(/entry: a relative path ending in .js/),
    ]);
  });
});

describe('loadEnabledModules', () => {
  it('applies the profile, [launcher.tabs] and enabled.json, in dependency order', async () => {
    install('crm', moduleSource({ name: 'crm' }));
    install('ledger', moduleSource({ name: 'ledger', dependsOn: ['crm'] }));
    install('notes', moduleSource({ name: 'notes' }));
    const minimal = fleetConfig({ launcher: { profile: 'minimal' } });
    expect((await loadEnabledModules({ home: home.dir, config: minimal })).enabled).toEqual([]);
    await writeEnabledFlag(home.dir, 'ledger', true);
    const loaded = await loadEnabledModules({ home: home.dir, config: minimal });
    expect(loaded.enabled.map((module) => module.name)).toEqual(['crm', 'ledger']);
    expect(loaded.states.map(({ name, enabled, source }) => [name, enabled, source])).toEqual([
      ['crm', true, 'dependency'],
      ['ledger', true, 'hub'],
      ['notes', false, 'profile'],
    ]);
    const tabsOff = fleetConfig({ launcher: { profile: 'full', tabs: { crm: false } } });
    expect(
      (await loadEnabledModules({ home: home.dir, config: tabsOff })).enabled.map((module) => module.name),
    ).toEqual(['notes']);
  });
});
