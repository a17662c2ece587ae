import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  assertValidRecord,
  type ModuleDataSchemaV1,
  type ModuleDataV1,
  type ModuleFieldV1,
  type ModuleFieldValue,
  type ModuleQueryOptions,
  type ModuleRecordInput,
  type ModuleRecordV1,
  type ModuleRecordWhere,
  type ModuleV1,
} from '@biged/module-sdk';
import Database from 'better-sqlite3';
import { ModuleStoreError } from './errors/module-store-error';
import { toolsDbPath } from './hub-paths';

// NOTE: docs/architecture.md ("Modules") describes the tables below; keep the two in sync.
// Each module's DATA_SCHEMA becomes one STRICT table:
//   id INTEGER PRIMARY KEY AUTOINCREMENT, created_at INTEGER NOT NULL (ms since the epoch), then one column
//   per field: text/datetime/json -> TEXT, integer/boolean -> INTEGER, real -> REAL; NOT NULL for required;
//   CHECK (col IN (...)) for enum, CHECK (length(col) <= n) for maxLength, CHECK (col IN (0, 1)) for
//   boolean, CHECK (json_valid(col)) for json; plus an index on created_at for retention.
// `__biged_module_tables` records which module owns which table and the DATA_SCHEMA it was built from.

const META_TABLE = '__biged_module_tables';
const DAY_MS = 86_400_000;

/** Options for `createModuleStore`. */
export interface CreateModuleStoreOptions {
  /** The fleet home; the store is `<home>/tools.db`. One of `home` and `file` is required. */
  home?: string;
  /** The SQLite file (or `:memory:`), instead of `<home>/tools.db`. */
  file?: string;
  /** The clock `created_at` and `prune()` use, in ms since the epoch. Default `Date.now`. */
  now?: () => number;
  /** How long a write waits for another connection's lock, in ms. Default `5000`. */
  busyTimeoutMs?: number;
}

/** A table the store knows, from its bookkeeping table. */
export interface ModuleTableInfo {
  /** The module that owns it. */
  module: string;
  /** The table name. */
  table: string;
  /** The module version that last registered it. */
  version: string;
  /** Its retention in days, or `null` (kept forever). */
  retentionDays: number | null;
}

/** What `prune` deleted from one table. */
export interface PruneResult {
  /** The owning module. */
  module: string;
  /** The table. */
  table: string;
  /** Rows deleted (older than `retentionDays` at the prune time). */
  deleted: number;
}

/** The module data store: tools.db, one table per module DATA_SCHEMA. */
export interface ModuleStore {
  /** The SQLite file. */
  readonly file: string;
  /**
   * Creates the module's table from its DATA_SCHEMA, or brings an existing one to a changed DATA_SCHEMA
   * (rows copied into the new shape in one transaction; `MODULE_STORE_SCHEMA_MISMATCH` and nothing changed
   * when they do not fit). Returns the module's `ModuleDataV1`, which validates every write.
   */
  register(module: ModuleV1): ModuleDataV1;
  /** The `ModuleDataV1` of a module registered earlier (`MODULE_STORE_NOT_REGISTERED` otherwise). */
  data(moduleName: string): ModuleDataV1;
  /** Every module table in the file, registered in this process or not. */
  tables(): ModuleTableInfo[];
  /**
   * Enforces retention: deletes, from every module table with `retentionDays`, the rows whose
   * `created_at` is older than `now - retentionDays` days. Tables of modules not loaded now are pruned too.
   */
  prune(now?: number): PruneResult[];
  /** Drops a module's table and its bookkeeping row (its data is gone). Returns false when there was none. */
  drop(moduleName: string): boolean;
  /** Closes the database. */
  close(): void;
}

interface MetaRow {
  table_name: string;
  module: string;
  schema_json: string;
  version: string;
}

const quote = (identifier: string) => `"${identifier.replaceAll('"', '""')}"`;
const literal = (value: string | number) =>
  typeof value === 'number' ? String(value) : `'${value.replaceAll("'", "''")}'`;

function columnSql(name: string, field: ModuleFieldV1): string {
  const column = quote(name);
  const type =
    field.type === 'integer' || field.type === 'boolean'
      ? 'INTEGER'
      : field.type === 'real'
        ? 'REAL'
        : 'TEXT';
  const parts = [column, type];
  if (field.required) parts.push('NOT NULL');
  if (field.enum) parts.push(`CHECK (${column} IN (${field.enum.map(literal).join(', ')}))`);
  if (field.maxLength !== undefined) parts.push(`CHECK (length(${column}) <= ${field.maxLength})`);
  if (field.type === 'boolean') parts.push(`CHECK (${column} IN (0, 1))`);
  if (field.type === 'json') parts.push(`CHECK (json_valid(${column}))`);
  return parts.join(' ');
}

function createTableSql(table: string, schema: ModuleDataSchemaV1): string {
  const columns = [
    `${quote('id')} INTEGER PRIMARY KEY AUTOINCREMENT`,
    `${quote('created_at')} INTEGER NOT NULL`,
    ...Object.entries(schema.fields).map(([name, field]) => columnSql(name, field)),
  ];
  return `CREATE TABLE ${quote(table)} (\n  ${columns.join(',\n  ')}\n) STRICT`;
}

const toColumn = (field: ModuleFieldV1, value: ModuleFieldValue): string | number | null => {
  if (value === null) return null;
  if (field.type === 'boolean') return value ? 1 : 0;
  if (field.type === 'json') return JSON.stringify(value);
  return value as string | number;
};

function fromRow(schema: ModuleDataSchemaV1, row: Record<string, unknown>): ModuleRecordV1 {
  const record: Record<string, ModuleFieldValue> = {
    id: row.id as number,
    created_at: row.created_at as number,
  };
  for (const [name, field] of Object.entries(schema.fields)) {
    const value = row[name];
    if (value === null || value === undefined) record[name] = null;
    else if (field.type === 'boolean') record[name] = value === 1;
    else if (field.type === 'json') record[name] = JSON.parse(value as string) as ModuleFieldValue;
    else record[name] = value as string | number;
  }
  return Object.freeze(record) as ModuleRecordV1;
}

/**
 * Opens (creating if needed) the module data store: `<home>/tools.db` (WAL mode), whose tables come from
 * module DATA_SCHEMAs. Register each module to get its table; `prune()` enforces `retentionDays`.
 *
 * @throws ModuleStoreError `MODULE_STORE_OPEN_FAILED` when the file cannot be opened.
 */
export function createModuleStore(options: CreateModuleStoreOptions): ModuleStore {
  const { now = Date.now, busyTimeoutMs = 5000 } = options;
  const file = options.file ?? (options.home ? toolsDbPath(options.home) : undefined);
  if (!file) throw new TypeError('createModuleStore needs { home } or { file }');
  let db: Database.Database;
  try {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    db = new Database(file, { timeout: busyTimeoutMs });
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE IF NOT EXISTS ${quote(META_TABLE)} (
      table_name TEXT PRIMARY KEY,
      module TEXT NOT NULL UNIQUE,
      schema_json TEXT NOT NULL,
      version TEXT NOT NULL,
      registered_at INTEGER NOT NULL
    ) STRICT`);
  } catch (error) {
    throw new ModuleStoreError({
      code: 'MODULE_STORE_OPEN_FAILED',
      file,
      message: `cannot open the module store ${file}: ${(error as Error).message}`,
      cause: error,
    });
  }
  const registered = new Map<string, ModuleDataV1>();
  const metaFor = db.prepare<[string], MetaRow>(`SELECT * FROM ${quote(META_TABLE)} WHERE table_name = ?`);
  const metaOfModule = db.prepare<[string], MetaRow>(`SELECT * FROM ${quote(META_TABLE)} WHERE module = ?`);
  const tableExists = db.prepare<[string], { name: string }>(
    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name = ?",
  );

  const migrate = (module: ModuleV1, schema: ModuleDataSchemaV1, previous: MetaRow) => {
    const old = JSON.parse(previous.schema_json) as ModuleDataSchemaV1;
    const table = schema.table;
    const temp = `${table}__biged_new`;
    const kept = Object.keys(schema.fields).filter((name) => Object.hasOwn(old.fields, name));
    const columns = ['id', 'created_at', ...kept].map(quote).join(', ');
    try {
      db.transaction(() => {
        db.exec(`DROP TABLE IF EXISTS ${quote(temp)}`);
        db.exec(createTableSql(temp, schema));
        db.exec(`INSERT INTO ${quote(temp)} (${columns}) SELECT ${columns} FROM ${quote(table)}`);
        db.exec(`DROP TABLE ${quote(table)}`);
        db.exec(`ALTER TABLE ${quote(temp)} RENAME TO ${quote(table)}`);
        db.exec(`CREATE INDEX ${quote(`${table}_created_at`)} ON ${quote(table)} (created_at)`);
      })();
    } catch (error) {
      throw new ModuleStoreError({
        code: 'MODULE_STORE_SCHEMA_MISMATCH',
        module: module.name,
        table,
        file,
        message: `module "${module.name}" ${module.version} changed the DATA_SCHEMA of table ${table} and the stored rows do not fit it: ${(error as Error).message}`,
        hint: `export the data (biged module export ${module.name}), then drop the table, or make the new fields optional`,
        cause: error,
      });
    }
  };

  const register = (module: ModuleV1): ModuleDataV1 => {
    const schema = module.dataSchema;
    if (schema === null) {
      throw new ModuleStoreError({
        code: 'MODULE_STORE_NO_SCHEMA',
        module: module.name,
        file,
        message: `module "${module.name}" declares no DATA_SCHEMA, so it has no table in ${path.basename(file)}`,
      });
    }
    const { table } = schema;
    const owner = metaFor.get(table);
    if (owner && owner.module !== module.name) {
      throw new ModuleStoreError({
        code: 'MODULE_STORE_TABLE_TAKEN',
        module: module.name,
        table,
        file,
        message: `table ${table} belongs to module "${owner.module}"; module "${module.name}" must use another table name`,
      });
    }
    const own = metaOfModule.get(module.name);
    if (own && own.table_name !== table) {
      throw new ModuleStoreError({
        code: 'MODULE_STORE_SCHEMA_MISMATCH',
        module: module.name,
        table,
        file,
        message: `module "${module.name}" moved its table from ${own.table_name} to ${table}; the store does not rename tables`,
        hint: `export the data, then drop the old table (biged module purge ${module.name})`,
      });
    }
    if (!owner && tableExists.get(table)) {
      throw new ModuleStoreError({
        code: 'MODULE_STORE_TABLE_TAKEN',
        module: module.name,
        table,
        file,
        message: `table ${table} already exists in ${file} and belongs to no module`,
      });
    }
    const schemaJson = JSON.stringify(schema);
    if (!owner) {
      db.transaction(() => {
        db.exec(createTableSql(table, schema));
        db.exec(`CREATE INDEX ${quote(`${table}_created_at`)} ON ${quote(table)} (created_at)`);
        db.prepare(
          `INSERT INTO ${quote(META_TABLE)} (table_name, module, schema_json, version, registered_at) VALUES (?, ?, ?, ?, ?)`,
        ).run(table, module.name, schemaJson, module.version, now());
      })();
    } else if (owner.schema_json !== schemaJson) {
      migrate(module, schema, owner);
      db.prepare(`UPDATE ${quote(META_TABLE)} SET schema_json = ?, version = ? WHERE table_name = ?`).run(
        schemaJson,
        module.version,
        table,
      );
    } else if (owner.version !== module.version) {
      db.prepare(`UPDATE ${quote(META_TABLE)} SET version = ? WHERE table_name = ?`).run(
        module.version,
        table,
      );
    }
    const data = tableData(module, schema);
    registered.set(module.name, data);
    return data;
  };

  const tableData = (module: ModuleV1, schema: ModuleDataSchemaV1): ModuleDataV1 => {
    const table = quote(schema.table);
    const fieldNames = Object.keys(schema.fields);
    const insert = db.prepare(
      `INSERT INTO ${table} (created_at, ${fieldNames.map(quote).join(', ')}) VALUES (?, ${fieldNames.map(() => '?').join(', ')}) RETURNING *`,
    );
    const update = db.prepare(
      `UPDATE ${table} SET ${fieldNames.map((name) => `${quote(name)} = ?`).join(', ')} WHERE id = ? RETURNING *`,
    );
    const byId = db.prepare(`SELECT * FROM ${table} WHERE id = ?`);
    const remove = db.prepare(`DELETE FROM ${table} WHERE id = ?`);
    const values = (record: Readonly<Record<string, ModuleFieldValue>>) =>
      fieldNames.map((name) => toColumn(schema.fields[name]!, record[name] ?? null));
    const write = <T>(run: () => T): T => {
      try {
        return run();
      } catch (error) {
        throw new ModuleStoreError({
          code: 'MODULE_STORE_WRITE_FAILED',
          module: module.name,
          table: schema.table,
          file,
          message: `writing to ${schema.table} failed: ${(error as Error).message}`,
          cause: error,
        });
      }
    };
    const whereSql = (where: ModuleRecordWhere | undefined): { sql: string; params: unknown[] } => {
      const clauses: string[] = [];
      const params: unknown[] = [];
      for (const [key, value] of Object.entries(where ?? {})) {
        const field = schema.fields[key];
        const known =
          key === 'id' || key === 'created_at' || (field !== undefined && Object.hasOwn(schema.fields, key));
        if (!known || field?.type === 'json') {
          throw new ModuleStoreError({
            code: 'MODULE_STORE_INVALID_QUERY',
            module: module.name,
            table: schema.table,
            message: known
              ? `cannot filter ${schema.table} on json field "${key}"`
              : `unknown field "${key}" in where (table ${schema.table} has: id, created_at, ${fieldNames.join(', ')})`,
          });
        }
        if (value === null) {
          clauses.push(`${quote(key)} IS NULL`);
        } else {
          clauses.push(`${quote(key)} = ?`);
          params.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);
        }
      }
      return { sql: clauses.length ? ` WHERE ${clauses.join(' AND ')}` : '', params };
    };
    const checkCount = (name: string, value: number | undefined) => {
      if (value !== undefined && (!Number.isSafeInteger(value) || value < 0)) {
        throw new ModuleStoreError({
          code: 'MODULE_STORE_INVALID_QUERY',
          module: module.name,
          table: schema.table,
          message: `${name} must be a whole number >= 0, got ${value}`,
        });
      }
    };
    return Object.freeze({
      table: schema.table,
      async insert(record: ModuleRecordInput) {
        const valid = assertValidRecord(module, record);
        return fromRow(
          schema,
          write(() => insert.get(now(), ...values(valid)) as Record<string, unknown>),
        );
      },
      async query({ where, limit, offset = 0, order = 'asc' }: ModuleQueryOptions = {}) {
        checkCount('limit', limit);
        checkCount('offset', offset);
        if (order !== 'asc' && order !== 'desc') {
          throw new ModuleStoreError({
            code: 'MODULE_STORE_INVALID_QUERY',
            module: module.name,
            table: schema.table,
            message: `order must be "asc" or "desc", got ${JSON.stringify(order)}`,
          });
        }
        const { sql, params } = whereSql(where);
        const rows = db
          .prepare(
            `SELECT * FROM ${table}${sql} ORDER BY id ${order === 'desc' ? 'DESC' : 'ASC'} LIMIT ? OFFSET ?`,
          )
          .all(...params, limit ?? -1, offset) as Record<string, unknown>[];
        return rows.map((row) => fromRow(schema, row));
      },
      async get(id: number) {
        const row = byId.get(id) as Record<string, unknown> | undefined;
        return row ? fromRow(schema, row) : undefined;
      },
      async update(id: number, changes: ModuleRecordInput) {
        const row = byId.get(id) as Record<string, unknown> | undefined;
        if (!row) return undefined;
        const { id: _id, created_at: _createdAt, ...fields } = fromRow(schema, row);
        const valid = assertValidRecord(module, { ...fields, ...changes });
        return fromRow(
          schema,
          write(() => update.get(...values(valid), id) as Record<string, unknown>),
        );
      },
      async delete(id: number) {
        return write(() => remove.run(id).changes > 0);
      },
      async count(where?: ModuleRecordWhere) {
        const { sql, params } = whereSql(where);
        return (db.prepare(`SELECT count(*) AS n FROM ${table}${sql}`).get(...params) as { n: number }).n;
      },
    });
  };

  const tables = (): ModuleTableInfo[] =>
    (db.prepare(`SELECT * FROM ${quote(META_TABLE)} ORDER BY module`).all() as MetaRow[]).map((row) => ({
      module: row.module,
      table: row.table_name,
      version: row.version,
      retentionDays: (JSON.parse(row.schema_json) as ModuleDataSchemaV1).retentionDays,
    }));

  return {
    file,
    register,
    data(moduleName: string) {
      const data = registered.get(moduleName);
      if (!data) {
        throw new ModuleStoreError({
          code: 'MODULE_STORE_NOT_REGISTERED',
          module: moduleName,
          file,
          message: `module "${moduleName}" is not registered in this module store; call register(module) first`,
        });
      }
      return data;
    },
    tables,
    prune(at = now()) {
      const results: PruneResult[] = [];
      db.transaction(() => {
        for (const info of tables()) {
          if (info.retentionDays === null) continue;
          const cutoff = at - info.retentionDays * DAY_MS;
          const { changes } = db.prepare(`DELETE FROM ${quote(info.table)} WHERE created_at < ?`).run(cutoff);
          results.push({ module: info.module, table: info.table, deleted: changes });
        }
      })();
      return results;
    },
    drop(moduleName: string) {
      const row = metaOfModule.get(moduleName);
      if (!row) return false;
      db.transaction(() => {
        db.exec(`DROP TABLE IF EXISTS ${quote(row.table_name)}`);
        db.prepare(`DELETE FROM ${quote(META_TABLE)} WHERE module = ?`).run(moduleName);
      })();
      registered.delete(moduleName);
      return true;
    },
    close() {
      db.close();
    },
  };
}
