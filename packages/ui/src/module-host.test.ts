import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createSilentLogger } from '@biged/core';
import { createModuleStore } from '@biged/module-hub';
import { defineModule, ModuleSettingsError, z } from '@biged/module-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { createModuleHost, loadModuleHost } from './module-host';
import { moduleFiles, type TestHome, testHome, writeTree } from './test-support';

let fleet: TestHome;
afterEach(() => fleet?.cleanup());

/** A module that records every lifecycle call the host makes. */
function recordingModule(calls: string[], name = 'crm') {
  let closedSignal: AbortSignal | undefined;
  const module = defineModule({
    name,
    label: name.toUpperCase(),
    version: '1.0.0',
    dataSchema: {
      table: `${name}_contacts`,
      fields: {
        name: { type: 'text', required: true },
        status: { type: 'text', enum: ['active', 'inactive'] },
      },
      retentionDays: null,
    },
    settings: {
      schema: z.object({ pageSize: z.number().int().min(1).default(10) }),
      get: (context) => {
        calls.push('get');
        return { ...context.settings, source: 'module' } as never;
      },
      apply: (settings) => {
        calls.push(`apply:${settings.pageSize}`);
      },
    },
    async render({ data, settings }) {
      calls.push('render');
      const rows = await data!.query({ order: 'desc', limit: settings.pageSize });
      return { table: { columns: ['name', 'status'], rows: rows.map((row) => [row.name, row.status]) } };
    },
    async refresh({ data }) {
      calls.push('refresh');
      await data!.insert({ name: `refresh ${calls.length}`, status: 'active' });
    },
    close(context) {
      calls.push(`close:${name}`);
      closedSignal = context.signal;
    },
    async exportData({ data }) {
      calls.push('export');
      return (await data!.query()).map(({ name: contact }) => ({ contact }));
    },
    validateRecord: (record) => (record.name === 'test' ? 'the name "test" is reserved' : true),
  });
  return { module, signal: () => closedSignal };
}

describe('createModuleHost: the module contract on a real tools.db', () => {
  it('runs render, refresh, settings get/apply, export_data, validate_record and close', async () => {
    fleet = testHome();
    const calls: string[] = [];
    const { module, signal } = recordingModule(calls);
    const host = await createModuleHost({ home: fleet.home, config: fleet.config, modules: [module] });
    expect(host.tabs).toEqual([{ name: 'crm', label: 'CRM', version: '1.0.0' }]);
    expect(calls).toEqual(['apply:10']);

    await host.refresh('crm');
    const view = await host.render('crm');
    expect(view.title).toBe('CRM');
    expect(view.table?.rows).toEqual([['refresh 2', 'active']]);

    expect(await host.getSettings('crm')).toEqual({ pageSize: 10, source: 'module' });
    expect(await host.applySettings('crm', { pageSize: 2 })).toEqual({ pageSize: 2 });
    const stored = JSON.parse(readFileSync(path.join(fleet.home, 'modules', 'settings.json'), 'utf8'));
    expect(stored).toEqual({ crm: { pageSize: 2 } });
    await expect(host.applySettings('crm', { pageSize: 0 })).rejects.toSatisfy((error) =>
      ModuleSettingsError.isInstance(error),
    );
    expect(await host.getSettings('crm')).toEqual({ pageSize: 2, source: 'module' });

    expect(await host.exportData('crm')).toEqual([{ contact: 'refresh 2' }]);
    const { file, count } = await host.exportToFile('crm');
    expect(count).toBe(1);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual([{ contact: 'refresh 2' }]);

    expect(host.validate('crm', { name: 'Ada', status: 'active' })).toMatchObject({ valid: true });
    expect(host.validate('crm', { name: 'Ada', status: 'retired' })).toMatchObject({ valid: false });
    expect(host.validate('crm', { name: 'test' })).toEqual({
      valid: false,
      issues: [{ message: 'the name "test" is reserved' }],
    });

    await host.close();
    expect(calls.at(-1)).toBe('close:crm');
    expect(signal()?.aborted).toBe(true);
    await expect(host.render('crm')).rejects.toThrow('module "crm" is not running');
  });

  it('starts a module with its stored settings, and keeps the others when one cannot start', async () => {
    fleet = testHome();
    writeTree(fleet.home, {
      'modules/settings.json': JSON.stringify({ crm: { pageSize: 3 }, broken: { pageSize: 'many' } }),
    });
    const calls: string[] = [];
    const crm = recordingModule(calls).module;
    const broken = recordingModule([], 'broken').module;
    const host = await createModuleHost({ home: fleet.home, config: fleet.config, modules: [crm, broken] });
    expect(host.tabs.map((tab) => tab.name)).toEqual(['crm']);
    expect(host.failures).toHaveLength(1);
    expect(host.failures[0]).toMatchObject({ name: 'broken' });
    expect(host.failures[0]?.message).toMatch(/pageSize/);
    expect(calls).toEqual(['apply:3']);
    await host.close();
  });

  it('closes every module in reverse order even when one throws, and a given store stays open', async () => {
    fleet = testHome();
    const calls: string[] = [];
    const first = recordingModule(calls, 'first').module;
    const thrower = defineModule({
      name: 'thrower',
      label: 'Thrower',
      version: '1.0.0',
      close: () => {
        calls.push('close:thrower');
        throw new Error('cannot close');
      },
    });
    const store = createModuleStore({ home: fleet.home });
    const host = await createModuleHost({
      home: fleet.home,
      config: fleet.config,
      modules: [first, thrower],
      store,
      log: createSilentLogger(),
    });
    await host.close();
    expect(calls.filter((call) => call.startsWith('close'))).toEqual(['close:thrower', 'close:first']);
    // The store belongs to the caller: still usable.
    expect(store.tables().map((table) => table.table)).toContain('first_contacts');
    store.close();
  });

  it('loads the enabled modules of a fleet home and reports folders that do not load', async () => {
    fleet = testHome({ launcher: { profile: 'full' } });
    writeTree(
      path.join(fleet.home, 'modules', 'notes'),
      moduleFiles('notes', `{ name: 'notes', label: 'Notes', version: '1.0.0' }`),
    );
    writeTree(path.join(fleet.home, 'modules', 'bad'), {
      'module.json': JSON.stringify({ name: 'bad', version: '1.0.0', entry: 'index.js' }),
      'index.js': 'export default 42;\n',
    });
    const { host, loadFailures } = await loadModuleHost({ home: fleet.home, config: fleet.config });
    expect(host.tabs.map((tab) => tab.name)).toEqual(['notes']);
    expect(loadFailures.map((failure) => failure.name)).toEqual(['bad']);
    expect((await host.render('notes')).lines).toEqual(['Notes', 'no data']);
    await host.close();
  });

  it('ignores a settings.json that is not a JSON object', async () => {
    fleet = testHome();
    writeTree(fleet.home, { 'modules/settings.json': '[1, 2' });
    const calls: string[] = [];
    const host = await createModuleHost({
      home: fleet.home,
      config: fleet.config,
      modules: [recordingModule(calls).module],
    });
    expect(calls).toEqual(['apply:10']);
    await host.applySettings('crm', { pageSize: 4 });
    expect(JSON.parse(readFileSync(path.join(fleet.home, 'modules', 'settings.json'), 'utf8'))).toEqual({
      crm: { pageSize: 4 },
    });
    await host.close();
  });
});
