import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineModule } from '../define-module';
import { ModuleRecordError, ModuleSettingsError } from '../errors';
import { createInMemoryModuleData } from './create-in-memory-module-data';
import { createModuleHarness, runModuleLifecycle } from './create-module-harness';

/** A module that uses every contract method and records what the host asked of it. */
function trackingModule() {
  const seen: string[] = [];
  let refreshes = 0;
  let held: { pageSize: number } | undefined;
  const module = defineModule({
    name: 'crm',
    label: 'CRM',
    version: '1.0.0',
    dataSchema: {
      table: 'crm_contacts',
      fields: {
        name: { type: 'text', required: true },
        status: { type: 'text', enum: ['active', 'inactive'] },
      },
      retentionDays: 30,
    },
    settings: {
      schema: z.object({ pageSize: z.number().int().min(1).default(2) }),
      get: () => ({ pageSize: held?.pageSize ?? -1 }),
      apply: (settings) => {
        seen.push(`apply ${settings.pageSize}`);
        held = settings;
      },
    },
    async render({ data, settings }) {
      const rows = await data!.query({ order: 'desc', limit: settings.pageSize });
      return {
        table: { columns: ['name', 'status'], rows: rows.map((row) => [row.name, row.status]) },
        footer: `refreshed ${refreshes} times`,
      };
    },
    refresh: () => {
      refreshes += 1;
    },
    close: ({ signal }) => {
      seen.push(`close (aborted: ${signal.aborted})`);
    },
    exportData: async ({ data }) => (await data!.query()).map(({ name, status }) => ({ name, status })),
    validateRecord: (record) => (record.name === 'Mallory' ? 'Mallory is banned' : true),
  });
  return { module, seen };
}

describe('createModuleHarness', () => {
  it('drives every lifecycle method of the contract', async () => {
    const { module, seen } = trackingModule();
    const harness = await createModuleHarness({ module, settings: { pageSize: 2 } });
    expect(seen).toEqual(['apply 2']);
    await harness.data!.insert({ name: 'Ada', status: 'active' });
    await harness.data!.insert({ name: 'Bob' });
    await harness.data!.insert({ name: 'Cy', status: 'inactive' });

    expect(await harness.render()).toEqual({
      title: 'CRM',
      table: {
        columns: ['name', 'status'],
        rows: [
          ['Cy', 'inactive'],
          ['Bob', null],
        ],
      },
      footer: 'refreshed 0 times',
    });
    await harness.refresh();
    expect((await harness.render()).footer).toBe('refreshed 1 times');

    expect(await harness.getSettings()).toEqual({ pageSize: 2 });
    expect(await harness.applySettings({ pageSize: 1 })).toEqual({ pageSize: 1 });
    expect(harness.context.settings).toEqual({ pageSize: 1 });
    expect((await harness.render()).table?.rows).toEqual([['Cy', 'inactive']]);
    await expect(harness.applySettings({ pageSize: 0 })).rejects.toSatisfy(ModuleSettingsError.isInstance);
    expect(harness.context.settings).toEqual({ pageSize: 1 });

    expect(await harness.exportData()).toEqual([
      { name: 'Ada', status: 'active' },
      { name: 'Bob', status: null },
      { name: 'Cy', status: 'inactive' },
    ]);
    expect(harness.validate({ name: 'Mallory' })).toEqual({
      valid: false,
      issues: [{ message: 'Mallory is banned' }],
    });
    await expect(harness.data!.insert({ name: 'Mallory' })).rejects.toSatisfy(ModuleRecordError.isInstance);

    await harness.close();
    expect(seen).toEqual(['apply 2', 'apply 1', 'close (aborted: false)']);
    expect(harness.context.signal.aborted).toBe(true);
    expect(harness.calls).toEqual([
      'apply',
      'render',
      'refresh',
      'render',
      'apply',
      'render',
      'export',
      'close',
    ]);
    await expect(harness.render()).rejects.toThrow(/is closed; render is not allowed after close\(\)/);
  });

  it('refuses stored settings the schema rejects before the module starts', async () => {
    const { module, seen } = trackingModule();
    await expect(createModuleHarness({ module, settings: { pageSize: 'ten' } })).rejects.toSatisfy(
      ModuleSettingsError.isInstance,
    );
    expect(seen).toEqual([]);
  });

  it('gives a module without DATA_SCHEMA no table and the default render', async () => {
    const module = defineModule({ name: 'clock', label: 'Clock', version: '1' });
    const harness = await createModuleHarness({ module });
    expect(harness.data).toBeUndefined();
    expect(await harness.render()).toEqual({ title: 'Clock', lines: ['Clock', 'no data'] });
    expect(await harness.exportData()).toEqual([]);
    expect(await harness.getSettings()).toEqual({});
  });
});

describe('runModuleLifecycle', () => {
  it('runs start, render, refresh, render, export, close in order', async () => {
    const { module, seen } = trackingModule();
    const run = await runModuleLifecycle({ module });
    expect(run.calls).toEqual(['apply', 'render', 'refresh', 'render', 'export', 'close']);
    expect(run.firstView.footer).toBe('refreshed 0 times');
    expect(run.refreshedView.footer).toBe('refreshed 1 times');
    expect(run.exported).toEqual([]);
    expect(run.settings).toEqual({ pageSize: 2 });
    expect(seen.at(-1)).toBe('close (aborted: false)');
  });

  it('still closes the module when a step throws, and rejects with that error', async () => {
    const closed: string[] = [];
    const module = defineModule({
      name: 'broken',
      label: 'Broken',
      version: '1',
      render: () => {
        throw new Error('render failed');
      },
      close: () => {
        closed.push('closed');
      },
    });
    await expect(runModuleLifecycle({ module })).rejects.toThrow('render failed');
    expect(closed).toEqual(['closed']);
  });
});

describe('createInMemoryModuleData', () => {
  const { module } = trackingModule();

  it('stores, queries, updates, deletes and counts like the SQLite store', async () => {
    let clock = 1_000;
    const data = createInMemoryModuleData({ module, now: () => clock });
    const ada = await data.insert({ name: 'Ada', status: 'active' });
    expect(ada).toEqual({ id: 1, created_at: 1_000, name: 'Ada', status: 'active' });
    clock = 2_000;
    await data.insert({ name: 'Bob', status: 'inactive' });
    await data.insert({ name: 'Cy', status: 'active' });
    expect(await data.count()).toBe(3);
    expect(await data.count({ status: 'active' })).toBe(2);
    expect((await data.query({ where: { status: 'active' }, order: 'desc' })).map((row) => row.name)).toEqual(
      ['Cy', 'Ada'],
    );
    expect((await data.query({ offset: 1, limit: 1 })).map((row) => row.name)).toEqual(['Bob']);
    expect(await data.query({ where: { status: null } })).toEqual([]);
    expect(await data.update(1, { status: 'inactive' })).toEqual({ ...ada, status: 'inactive' });
    await expect(data.update(1, { status: 'gone' })).rejects.toSatisfy(ModuleRecordError.isInstance);
    expect((await data.get(1))?.status).toBe('inactive');
    expect(await data.update(99, { name: 'x' })).toBeUndefined();
    expect(await data.delete(2)).toBe(true);
    expect(await data.delete(2)).toBe(false);
    expect(await data.get(2)).toBeUndefined();
    await expect(data.query({ where: { nope: 1 } })).rejects.toSatisfy(ModuleRecordError.isInstance);
  });

  it('prunes records past retentionDays at the given time', async () => {
    let clock = 0;
    const data = createInMemoryModuleData({ module, now: () => clock });
    await data.insert({ name: 'old' });
    clock = 10 * 86_400_000;
    await data.insert({ name: 'new' });
    expect(data.prune(30 * 86_400_000)).toBe(0);
    expect(data.prune(30 * 86_400_000 + 1)).toBe(1);
    expect(data.records.map((row) => row.name)).toEqual(['new']);
  });

  it('refuses a module without DATA_SCHEMA', () => {
    expect(() =>
      createInMemoryModuleData({ module: defineModule({ name: 'x', label: 'X', version: '1' }) }),
    ).toThrow(/has no DATA_SCHEMA/);
  });
});
