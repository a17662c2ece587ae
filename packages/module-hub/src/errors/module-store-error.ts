import { BigedError } from '@biged/core';

const name = 'ModuleStoreError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Stable codes a {@link ModuleStoreError} carries. (A record its DATA_SCHEMA refuses raises the SDK's
 * `ModuleRecordError`, `MODULE_INVALID_RECORD`, instead.)
 * - `MODULE_STORE_OPEN_FAILED`: tools.db could not be opened (`file` is set).
 * - `MODULE_STORE_NO_SCHEMA`: the module declares no DATA_SCHEMA, so it has no table.
 * - `MODULE_STORE_TABLE_TAKEN`: another module (or something else) already owns the table name.
 * - `MODULE_STORE_SCHEMA_MISMATCH`: the DATA_SCHEMA changed and the stored rows do not fit the new one
 *   (a new required field, a narrower enum, ...). Nothing was changed.
 * - `MODULE_STORE_NOT_REGISTERED`: `data(name)` for a module never registered in this store.
 * - `MODULE_STORE_INVALID_QUERY`: a `where` names an unknown or json field, or a bad limit/offset/order.
 * - `MODULE_STORE_WRITE_FAILED`: SQLite refused a write (a constraint, a locked database).
 */
export type ModuleStoreErrorCode =
  | 'MODULE_STORE_OPEN_FAILED'
  | 'MODULE_STORE_NO_SCHEMA'
  | 'MODULE_STORE_TABLE_TAKEN'
  | 'MODULE_STORE_SCHEMA_MISMATCH'
  | 'MODULE_STORE_NOT_REGISTERED'
  | 'MODULE_STORE_INVALID_QUERY'
  | 'MODULE_STORE_WRITE_FAILED';

/** Options of the {@link ModuleStoreError} constructor. */
export interface ModuleStoreErrorOptions {
  /** The stable code. */
  code: ModuleStoreErrorCode;
  /** What went wrong. */
  message: string;
  /** The module concerned, if any. */
  module?: string;
  /** The table concerned, if any. */
  table?: string;
  /** The database file, if the error is about it. */
  file?: string;
  /** The underlying error (e.g. better-sqlite3's `SqliteError`). */
  cause?: unknown;
  /** A short "try ..." hint. */
  hint?: string;
}

/** An error raised by the module data store (tools.db). */
export class ModuleStoreError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The stable code; see {@link ModuleStoreErrorCode}. */
  declare readonly code: ModuleStoreErrorCode;
  /** The module concerned, if any. */
  readonly module: string | undefined;
  /** The table concerned, if any. */
  readonly table: string | undefined;
  /** The database file, if the error is about it. */
  readonly file: string | undefined;

  constructor({ module, table, file, ...options }: ModuleStoreErrorOptions) {
    super({ name, ...options });
    this.module = module;
    this.table = table;
    this.file = file;
  }

  /** True when `error` is a ModuleStoreError from any copy of @biged/module-hub. */
  static override isInstance(error: unknown): error is ModuleStoreError {
    return BigedError.hasMarker(error, marker);
  }
}
