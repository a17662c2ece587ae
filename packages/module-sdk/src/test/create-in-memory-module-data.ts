import { ModuleRecordError } from '../errors/module-record-error';
import type {
  ModuleDataV1,
  ModuleQueryOptions,
  ModuleRecordInput,
  ModuleRecordV1,
  ModuleRecordWhere,
  ModuleV1,
} from '../module-v1';
import { assertValidRecord } from '../validate-record';

/** Options for `createInMemoryModuleData`. */
export interface CreateInMemoryModuleDataOptions {
  /** The module whose DATA_SCHEMA (and `validateRecord`) every write is checked against. */
  module: ModuleV1;
  /** The clock `created_at` comes from, in ms since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** An in-memory `ModuleDataV1` plus what tests want to look at. */
export interface InMemoryModuleData extends ModuleDataV1 {
  /** Every stored record, in `id` order (a copy). */
  readonly records: readonly ModuleRecordV1[];
  /** Deletes records older than the module's `retentionDays` at `now`; returns how many went. */
  prune(now?: number): number;
}

const DAY_MS = 86_400_000;

const matches = (record: ModuleRecordV1, where: ModuleRecordWhere | undefined): boolean =>
  where === undefined || Object.entries(where).every(([key, value]) => (record[key] ?? null) === value);

/**
 * A module's table kept in memory, with the same validation and ordering rules as the SQLite module store
 * in @biged/module-hub, so a module's tests need no database. Throws `ModuleRecordError` for a record the
 * DATA_SCHEMA refuses (nothing is stored) and for a module without a DATA_SCHEMA.
 */
export function createInMemoryModuleData({
  module,
  now = Date.now,
}: CreateInMemoryModuleDataOptions): InMemoryModuleData {
  const schema = module.dataSchema;
  if (schema === null) {
    throw new ModuleRecordError({
      module: module.name,
      issues: [{ message: `module "${module.name}" has no DATA_SCHEMA and stores no records` }],
    });
  }
  const rows: ModuleRecordV1[] = [];
  let nextId = 1;
  const where = (filter: ModuleRecordWhere | undefined) => {
    for (const key of Object.keys(filter ?? {})) {
      if (key !== 'id' && key !== 'created_at' && !Object.hasOwn(schema.fields, key)) {
        throw new ModuleRecordError({
          module: module.name,
          issues: [{ field: key, message: 'unknown field in where' }],
        });
      }
    }
    return rows.filter((row) => matches(row, filter));
  };
  const data: InMemoryModuleData = {
    table: schema.table,
    get records() {
      return rows.map((row) => ({ ...row }));
    },
    async insert(record: ModuleRecordInput) {
      const valid = assertValidRecord(module, record);
      const stored = Object.freeze({ ...valid, id: nextId++, created_at: now() }) as ModuleRecordV1;
      rows.push(stored);
      return stored;
    },
    async query({ where: filter, limit, offset = 0, order = 'asc' }: ModuleQueryOptions = {}) {
      const found = where(filter);
      if (order === 'desc') found.reverse();
      return found.slice(offset, limit === undefined ? undefined : offset + limit);
    },
    async get(id: number) {
      return rows.find((row) => row.id === id);
    },
    async update(id: number, changes: ModuleRecordInput) {
      const index = rows.findIndex((row) => row.id === id);
      const existing = rows[index];
      if (!existing) return undefined;
      const { id: _id, created_at, ...fields } = existing;
      const valid = assertValidRecord(module, { ...fields, ...changes });
      const stored = Object.freeze({ ...valid, id, created_at }) as ModuleRecordV1;
      rows[index] = stored;
      return stored;
    },
    async delete(id: number) {
      const index = rows.findIndex((row) => row.id === id);
      if (index === -1) return false;
      rows.splice(index, 1);
      return true;
    },
    async count(filter?: ModuleRecordWhere) {
      return where(filter).length;
    },
    prune(at = now()) {
      if (schema.retentionDays === null) return 0;
      const cutoff = at - schema.retentionDays * DAY_MS;
      const before = rows.length;
      for (let index = rows.length - 1; index >= 0; index -= 1) {
        if ((rows[index]!.created_at as number) < cutoff) rows.splice(index, 1);
      }
      return before - rows.length;
    },
  };
  return data;
}
