import { parseFleetConfig } from '@biged/core';
import { describe, expect, it } from 'vitest';
import { ModuleDependencyError } from './errors';
import { DEPLOYMENT_PROFILES, enabledModules, resolveModuleStates } from './profiles';

const config = (launcher: Record<string, unknown> = {}) => parseFleetConfig({ launcher }).config;
const m = (name: string, defaultEnabled = false, ...dependsOn: string[]) => ({
  name,
  defaultEnabled,
  dependsOn,
});
const modules = [m('crm'), m('notes', true), m('tracker'), m('ledger', false, 'crm')];
const names = (list: readonly { name: string }[]) => list.map((module) => module.name);

describe('deployment profiles', () => {
  it('minimal turns on nothing by itself, not even default-enabled modules', () => {
    expect(names(enabledModules(config({ profile: 'minimal' }), modules))).toEqual([]);
    expect(resolveModuleStates(config({ profile: 'minimal' }), modules)[1]).toEqual({
      name: 'notes',
      enabled: false,
      source: 'profile',
      reason: 'not in the "minimal" profile',
    });
  });

  it('research (the default profile) turns on default-enabled modules', () => {
    expect(names(enabledModules(config(), modules))).toEqual(['notes']);
  });

  it('consulting adds crm to the defaults', () => {
    expect(DEPLOYMENT_PROFILES.consulting.modules).toEqual(['crm']);
    expect(names(enabledModules(config({ profile: 'consulting' }), modules))).toEqual(['crm', 'notes']);
  });

  it('full turns on every module, in dependency order', () => {
    expect(names(enabledModules(config({ profile: 'full' }), [m('ledger', false, 'crm'), m('crm')]))).toEqual(
      ['crm', 'ledger'],
    );
  });

  it('[launcher.profiles.<profile>] modules replaces the built-in list', () => {
    const custom = config({ profile: 'consulting', profiles: { consulting: { modules: ['tracker'] } } });
    expect(names(enabledModules(custom, modules))).toEqual(['notes', 'tracker']);
  });
});

describe('[launcher.tabs] and the hub state', () => {
  it('[launcher.tabs] wins over the profile and the hub state', () => {
    const tabs = config({ profile: 'full', tabs: { crm: false, tracker: true } });
    const states = resolveModuleStates(tabs, modules, { state: { crm: true } });
    expect(states.find((state) => state.name === 'crm')).toEqual({
      name: 'crm',
      enabled: false,
      source: 'tabs',
      reason: '[launcher.tabs] crm = false',
    });
    expect(names(enabledModules(config({ profile: 'minimal', tabs: { tracker: true } }), modules))).toEqual([
      'tracker',
    ]);
  });

  it('the hub state turns an installed module on without a config edit, and off again', () => {
    expect(
      names(enabledModules(config({ profile: 'minimal' }), modules, { state: { tracker: true } })),
    ).toEqual(['tracker']);
    expect(names(enabledModules(config(), modules, { state: { notes: false } }))).toEqual([]);
    expect(resolveModuleStates(config(), modules, { state: { tracker: true } })[2]).toMatchObject({
      source: 'hub',
    });
  });
});

describe('DEPENDS_ON and enabling', () => {
  it('pulls in what an enabled module needs', () => {
    const states = resolveModuleStates(config({ profile: 'minimal', tabs: { ledger: true } }), modules);
    expect(states.find((state) => state.name === 'crm')).toEqual({
      name: 'crm',
      enabled: true,
      source: 'dependency',
      reason: 'needed by "ledger"',
    });
    expect(names(enabledModules(config({ profile: 'minimal', tabs: { ledger: true } }), modules))).toEqual([
      'crm',
      'ledger',
    ]);
  });

  it('turns a module off when something it needs is turned off explicitly, transitively', () => {
    const chain = [...modules, m('audit', false, 'ledger')];
    const states = resolveModuleStates(config({ profile: 'full', tabs: { crm: false } }), chain);
    expect(states.filter((state) => state.enabled).map((state) => state.name)).toEqual(['notes', 'tracker']);
    expect(states.find((state) => state.name === 'audit')).toMatchObject({
      enabled: false,
      source: 'dependency',
      reason: expect.stringMatching(/^needs "ledger", which is off \(needs "crm", which is off/),
    });
  });

  it('throws when an enabled module needs one that is not installed', () => {
    const broken = [m('report', true, 'missing')];
    expect(() => enabledModules(config(), broken)).toThrow(ModuleDependencyError);
    // A disabled module with a broken DEPENDS_ON does not stop the others.
    expect(
      names(enabledModules(config({ profile: 'minimal', tabs: { crm: true } }), [...broken, m('crm')])),
    ).toEqual(['crm']);
  });
});
