import { existsSync } from 'node:fs';
import path from 'node:path';
import { defineModule, type ModuleDataSchemaInput, ModuleRecordError } from '@biged/module-sdk';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModuleStoreError } from './errors';
import { toolsDbPath } from './hub-paths';
import { tempDir } from './hub-test-helpers';
import { createModuleStore, type ModuleStore } from './module-store';

const DAY = 86_400_000;

const crmSchema: ModuleDataSchemaInput = {
  table: 'crm_contacts',
  fields: {
    name: { type: 'text', required: true, maxLength: 40 },
    status: { type: 'text', enum: ['active', 'inactive'] },
    visits: { type: 'integer' },
    score: { type: 'real' },
    vip: { type: 'boolean' },
    met_at: { type: 'datetime' },
    tags: { type: 'json' },
  },
  retentionDays: 30,
};

const crm = (schema: ModuleDataSchemaInput = crmSchema, version = '1.0.0') =>
  defineModule({
    name: 'crm',
    label: 'CRM',
    version,
    dataSchema: schema,
    validateRecord: (record) => (record.name === 'Mallory' ? 'Mallory is banned' : true),
  });

const notesModule = defineModule({
  name: 'notes',
  label: 'Notes',
  version: '1',
  dataSchema: { table: 'notes', fields: { body: { type: 'text' } }, retentionDays: null },
});

let home: ReturnType<typeof tempDir>;
let clock: number;
let store: ModuleStore;
const open = () => createModuleStore({ home: home.dir, now: () => clock });

beforeEach(() => {
  home = tempDir();
  clock = 1_000 * DAY;
  store = open();
});
afterEach(() => {
  store.close();
  home.cleanup();
});

/** Asserts `run` throws a ModuleStoreError with `code`; returns it. */
async function storeError(run: () => unknown, code: string): Promise<ModuleStoreError> {
  try {
    await run();
  } catch (error) {
    expect(ModuleStoreError.isInstance(error)).toBe(true);
    expect((error as ModuleStoreError).code).toBe(code);
    return error as ModuleStoreError;
  }
  throw new Error(`expected ${code}`);
}

describe('createModuleStore', () => {
  it('lives at <home>/tools.db', () => {
    expect(store.file).toBe(path.join(home.dir, 'tools.db'));
    expect(toolsDbPath(home.dir)).toBe(store.file);
    expect(existsSync(store.file)).toBe(true);
  });

  it('creates a typed table from the DATA_SCHEMA, with NOT NULL and CHECK constraints in SQLite itself', () => {
    store.register(crm());
    const raw = new Database(store.file);
    try {
      const columns = raw.prepare('PRAGMA table_info(crm_contacts)').all() as {
        name: string;
        type: string;
        notnull: number;
      }[];
      expect(columns.map(({ name, type, notnull }) => [name, type, notnull])).toEqual([
        ['id', 'INTEGER', 0],
        ['created_at', 'INTEGER', 1],
        ['name', 'TEXT', 1],
        ['status', 'TEXT', 0],
        ['visits', 'INTEGER', 0],
        ['score', 'REAL', 0],
        ['vip', 'INTEGER', 0],
        ['met_at', 'TEXT', 0],
        ['tags', 'TEXT', 0],
      ]);
      // The database refuses what the schema forbids even when a writer skips the SDK's validation.
      const insert = (columns: string, values: string) =>
        raw.prepare(`INSERT INTO crm_contacts (created_at, ${columns}) VALUES (1, ${values})`).run();
      expect(() => insert('status', "'lost'")).toThrow(/NOT NULL constraint failed: crm_contacts.name/);
      expect(() => insert('name, status', "'a', 'lost'")).toThrow(/CHECK constraint failed/);
      expect(() => insert('name, vip', "'a', 2")).toThrow(/CHECK constraint failed/);
      expect(() => insert('name, tags', "'a', '{not json'")).toThrow(/CHECK constraint failed/);
      expect(() => insert('name', `'${'x'.repeat(41)}'`)).toThrow(/CHECK constraint failed/);
      expect(() => insert('name, visits', "'a', 'many'")).toThrow(
        /cannot store TEXT value in INTEGER column/,
      );
      expect(() => insert('name, status', "'a', 'active'")).not.toThrow();
    } finally {
      raw.close();
    }
  });

  it('inserts, queries, updates, deletes and counts records, keeping types', async () => {
    const data = store.register(crm());
    const ada = await data.insert({
      name: 'Ada',
      status: 'active',
      visits: 3,
      score: 4.5,
      vip: true,
      met_at: '2026-11-24T10:00:00Z',
      tags: { source: ['web'], n: 1 },
    });
    expect(ada).toEqual({
      id: 1,
      created_at: clock,
      name: 'Ada',
      status: 'active',
      visits: 3,
      score: 4.5,
      vip: true,
      met_at: '2026-11-24T10:00:00Z',
      tags: { source: ['web'], n: 1 },
    });
    clock += 1;
    await data.insert({ name: 'Bob', vip: false });
    await data.insert({ name: 'Cy', status: 'active' });
    expect(await data.count()).toBe(3);
    expect(await data.count({ status: 'active' })).toBe(2);
    expect(await data.count({ vip: false })).toBe(1);
    expect((await data.query({ where: { status: null } })).map((row) => row.name)).toEqual(['Bob']);
    expect((await data.query({ order: 'desc', limit: 2 })).map((row) => row.name)).toEqual(['Cy', 'Bob']);
    expect((await data.query({ offset: 1, limit: 1 })).map((row) => row.name)).toEqual(['Bob']);
    expect(await data.get(2)).toMatchObject({ name: 'Bob', vip: false, tags: null, created_at: clock });
    expect(await data.update(2, { status: 'inactive' })).toMatchObject({
      id: 2,
      name: 'Bob',
      status: 'inactive',
    });
    expect(await data.update(99, { name: 'x' })).toBeUndefined();
    expect(await data.delete(1)).toBe(true);
    expect(await data.delete(1)).toBe(false);
    expect(await data.get(1)).toBeUndefined();
    expect(store.data('crm')).toBe(data);
  });

  it('refuses invalid records (schema and the module hook) and stores nothing', async () => {
    const data = store.register(crm());
    await expect(data.insert({ status: 'lost' })).rejects.toSatisfy(ModuleRecordError.isInstance);
    await expect(data.insert({ name: 'Mallory' })).rejects.toThrow('invalid crm record: Mallory is banned');
    await expect(data.insert({ name: 'A', extra: 1 })).rejects.toThrow(/extra: unknown field/);
    const { id } = await data.insert({ name: 'Ada' });
    await expect(data.update(id, { vip: 'yes' })).rejects.toSatisfy(ModuleRecordError.isInstance);
    expect(await data.count()).toBe(1);
    expect((await data.get(id))?.vip).toBeNull();
  });

  it('refuses bad queries with a clear error', async () => {
    const data = store.register(crm());
    await storeError(() => data.query({ where: { nope: 1 } }), 'MODULE_STORE_INVALID_QUERY');
    const json = await storeError(() => data.count({ tags: 'x' }), 'MODULE_STORE_INVALID_QUERY');
    expect(json.message).toMatch(/json field "tags"/);
    await storeError(() => data.query({ limit: -1 }), 'MODULE_STORE_INVALID_QUERY');
    await storeError(() => data.query({ offset: 1.5 }), 'MODULE_STORE_INVALID_QUERY');
    await storeError(() => data.query({ order: 'sideways' as 'asc' }), 'MODULE_STORE_INVALID_QUERY');
  });

  it('prunes records past retentionDays at the injected time, across reopen and unloaded modules', async () => {
    const data = store.register(crm());
    const notes = store.register(notesModule);
    await data.insert({ name: 'old' });
    await notes.insert({ body: 'kept forever' });
    clock += 10 * DAY;
    await data.insert({ name: 'newer' });
    expect(store.prune(1_030 * DAY)).toEqual([{ module: 'crm', table: 'crm_contacts', deleted: 0 }]);
    store.close();

    // A fresh store that never registered the modules still knows their retention.
    clock = 1_030 * DAY + 1;
    store = open();
    expect(store.tables()).toEqual([
      { module: 'crm', table: 'crm_contacts', version: '1.0.0', retentionDays: 30 },
      { module: 'notes', table: 'notes', version: '1', retentionDays: null },
    ]);
    expect(store.prune()).toEqual([{ module: 'crm', table: 'crm_contacts', deleted: 1 }]);
    const again = store.register(crm());
    expect((await again.query()).map((row) => row.name)).toEqual(['newer']);
    expect(await store.register(notesModule).count()).toBe(1);
  });

  it('brings a table to a changed DATA_SCHEMA when the rows fit, and refuses with nothing changed when not', async () => {
    const data = store.register(crm());
    await data.insert({ name: 'Ada', status: 'inactive' });
    const added = {
      ...crmSchema,
      fields: { ...crmSchema.fields, company: { type: 'text' as const } },
    };
    const v2 = store.register(crm(added, '2.0.0'));
    expect(await v2.query()).toEqual([expect.objectContaining({ id: 1, name: 'Ada', company: null })]);
    expect((await v2.insert({ name: 'Bob', company: 'ACME' })).id).toBe(2);

    const required = {
      ...added,
      fields: { ...added.fields, owner: { type: 'text' as const, required: true } },
    };
    const error = await storeError(
      () => store.register(crm(required, '3.0.0')),
      'MODULE_STORE_SCHEMA_MISMATCH',
    );
    expect(error.message).toMatch(
      /changed the DATA_SCHEMA of table crm_contacts and the stored rows do not fit/,
    );
    const narrower = {
      ...added,
      fields: { ...added.fields, status: { type: 'text' as const, enum: ['active'] } },
    };
    await storeError(() => store.register(crm(narrower, '3.0.0')), 'MODULE_STORE_SCHEMA_MISMATCH');
    // Still the 2.0.0 table with both rows.
    expect(store.tables()[0]?.version).toBe('2.0.0');
    expect((await store.data('crm').query()).map((row) => [row.name, row.company])).toEqual([
      ['Ada', null],
      ['Bob', 'ACME'],
    ]);
  });

  it('keeps tables apart: one owner per table, no schema no table, register before data()', async () => {
    store.register(crm());
    const thief = defineModule({ name: 'thief', label: 'T', version: '1', dataSchema: crmSchema });
    expect((await storeError(() => store.register(thief), 'MODULE_STORE_TABLE_TAKEN')).message).toMatch(
      /belongs to module "crm"/,
    );
    await storeError(
      () => store.register(defineModule({ name: 'plain', label: 'P', version: '1' })),
      'MODULE_STORE_NO_SCHEMA',
    );
    await storeError(() => store.data('thief'), 'MODULE_STORE_NOT_REGISTERED');
    const moved = crm({ ...crmSchema, table: 'crm_people' }, '2.0.0');
    await storeError(() => store.register(moved), 'MODULE_STORE_SCHEMA_MISMATCH');
  });

  it('refuses a table that exists but belongs to no module', async () => {
    store.close();
    const raw = new Database(toolsDbPath(home.dir));
    raw.exec('CREATE TABLE crm_contacts (x TEXT)');
    raw.close();
    store = open();
    await storeError(() => store.register(crm()), 'MODULE_STORE_TABLE_TAKEN');
  });

  it('drops a module table and its bookkeeping', async () => {
    const data = store.register(crm());
    await data.insert({ name: 'Ada' });
    expect(store.drop('crm')).toBe(true);
    expect(store.drop('crm')).toBe(false);
    expect(store.tables()).toEqual([]);
    expect(await store.register(crm()).count()).toBe(0);
  });

  it('reports a file it cannot open', async () => {
    const error = await storeError(
      () => createModuleStore({ file: path.join(home.dir, 'tools.db', 'nested.db') }),
      'MODULE_STORE_OPEN_FAILED',
    );
    expect(error.file).toMatch(/nested\.db$/);
  });
});
