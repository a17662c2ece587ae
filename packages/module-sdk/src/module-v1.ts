import type { FleetConfig, FleetPaths, Logger } from '@biged/core';
import type { z } from 'zod';

// The module contract, version 1: the operations manual's Python `Module` class (NAME, LABEL, VERSION,
// DEFAULT_ENABLED, DEPENDS_ON, DATA_SCHEMA, build_tab/on_refresh/on_close, get_settings/apply_settings,
// export_data, validate_record) translated to TypeScript. A new version gets a new file; this one stays
// until the next major. Rendering is a plain-data contract: no UI library appears here, so a module built
// against it works in the Ink launcher, the dashboard or a test alike.

/**
 * The type of one DATA_SCHEMA field, and how the module store keeps it:
 * - `text`: a string (SQLite `TEXT`).
 * - `integer`: a whole number within ±2^53 (SQLite `INTEGER`).
 * - `real`: a finite number (SQLite `REAL`).
 * - `boolean`: `true` / `false` (SQLite `INTEGER` 0/1).
 * - `datetime`: an ISO 8601 date or date-time string such as `2026-11-24` or `2026-11-24T10:00:00Z`
 *   (SQLite `TEXT`, so it sorts as text).
 * - `json`: any JSON value (SQLite `TEXT` holding the JSON).
 */
export type ModuleFieldType = 'text' | 'integer' | 'real' | 'boolean' | 'datetime' | 'json';

/** Every field type, in the order the docs list them. */
export const MODULE_FIELD_TYPES: readonly ModuleFieldType[] = Object.freeze([
  'text',
  'integer',
  'real',
  'boolean',
  'datetime',
  'json',
]);

/** One field of a DATA_SCHEMA (`"status": {"type": "text", "enum": [...]}` in the manual). */
export interface ModuleFieldV1 {
  /** The field's type. */
  readonly type: ModuleFieldType;
  /** A record without this field (or with `null`) is refused; the store column is `NOT NULL`. Default `false`. */
  readonly required?: boolean;
  /**
   * The only values allowed (`text` and `integer` fields only); the store adds a `CHECK (... IN (...))`.
   * Default: any value of the type.
   */
  readonly enum?: readonly (string | number)[];
  /** Longest text accepted, in characters (`text` fields only). Default: no limit beyond the store's. */
  readonly maxLength?: number;
  /** What the field holds, for humans (shown by `biged module info`). */
  readonly description?: string;
}

/**
 * A module's DATA_SCHEMA: the table its records live in. The module store adds two columns of its own,
 * `id` (integer primary key) and `created_at` (milliseconds since the epoch, set on insert), so neither may
 * be a field name.
 */
export interface ModuleDataSchemaV1 {
  /** Table name in tools.db, `/^[a-z][a-z0-9_]{0,63}$/`, unique across modules (e.g. `crm_contacts`). */
  readonly table: string;
  /** Field name (`/^[a-z][a-z0-9_]{0,63}$/`) -> its definition. At least one field. */
  readonly fields: Readonly<Record<string, ModuleFieldV1>>;
  /**
   * Records older than this many days (by `created_at`) are deleted when the store is pruned; `null`
   * keeps them forever (the manual's `retention_days: None`).
   */
  readonly retentionDays: number | null;
}

/** A value a record field may hold (a `json` field may hold any JSON value). */
export type ModuleFieldValue = string | number | boolean | null | ModuleJsonValue;

/** Any JSON value. */
export type ModuleJsonValue =
  | string
  | number
  | boolean
  | null
  | readonly ModuleJsonValue[]
  | { readonly [key: string]: ModuleJsonValue };

/** A record as a module writes it: field name -> value. */
export type ModuleRecordInput = Readonly<Record<string, unknown>>;

/** A stored record: its fields plus the store's `id` and `created_at` (ms since the epoch). */
export type ModuleRecordV1 = { readonly id: number; readonly created_at: number } & Readonly<
  Record<string, ModuleFieldValue>
>;

/** Exact-match filter: field name -> value (`null` matches a missing value). */
export type ModuleRecordWhere = Readonly<Record<string, string | number | boolean | null>>;

/** Options of `ModuleDataV1.query`. */
export interface ModuleQueryOptions {
  /** Only records whose fields equal these values. Default: every record. */
  where?: ModuleRecordWhere;
  /** At most this many records. Default: no limit. */
  limit?: number;
  /** Skip this many records first. Default `0`. */
  offset?: number;
  /** By `id`: `asc` (oldest first, the default) or `desc`. */
  order?: 'asc' | 'desc';
}

/**
 * A module's own table, as the host hands it over in `ModuleContextV1.data`. Every write is validated
 * against the DATA_SCHEMA (and the module's `validateRecord`) first; a bad record is refused with a
 * `ModuleRecordError` and nothing is stored. Asynchronous so that a host may move database work off the
 * UI thread without changing the contract.
 */
export interface ModuleDataV1 {
  /** The table name from the DATA_SCHEMA. */
  readonly table: string;
  /** Validates and stores one record; resolves with it as stored (`id`, `created_at` set). */
  insert(record: ModuleRecordInput): Promise<ModuleRecordV1>;
  /** Records in `id` order, filtered and paged by `options`. */
  query(options?: ModuleQueryOptions): Promise<ModuleRecordV1[]>;
  /** One record by id, or `undefined`. */
  get(id: number): Promise<ModuleRecordV1 | undefined>;
  /** Validates the merged record and stores the change; resolves with the record, or `undefined` if no such id. */
  update(id: number, changes: ModuleRecordInput): Promise<ModuleRecordV1 | undefined>;
  /** Deletes one record; resolves `true` when it existed. */
  delete(id: number): Promise<boolean>;
  /** How many records match `where` (all when omitted). */
  count(where?: ModuleRecordWhere): Promise<number>;
}

/** Everything a module's lifecycle methods get from the host. */
export interface ModuleContextV1<Settings = Record<string, unknown>> {
  /** The fleet's validated fleet.toml. */
  readonly config: FleetConfig;
  /** The fleet home and the well-known paths inside it (read `status`, `hwState`, ... for fleet data). */
  readonly paths: FleetPaths;
  /** The module's table, or `undefined` when it declares no DATA_SCHEMA. */
  readonly data: ModuleDataV1 | undefined;
  /** The module's current settings (its `settings.schema` applied, defaults filled in); `{}` without one. */
  readonly settings: Settings;
  /** A logger tagged with the module; use it instead of `console` (the terminal belongs to the UI). */
  readonly log: Logger;
  /** Aborted when the host closes the module or gives up on a slow call; pass it on to fetch and the like. */
  readonly signal: AbortSignal;
}

/** A cell of a table as a host shows it: JSON values and missing cells already turned into text / `null`. */
export type ModuleViewCell = string | number | boolean | null;

/** A table in a module's tab. Cells may be any record value (a host shows JSON values as JSON text). */
export interface ModuleTableView {
  /** Column headings. */
  readonly columns: readonly string[];
  /** Rows, each as long as `columns` (hosts pad or cut a row that is not). */
  readonly rows: readonly (readonly (ModuleFieldValue | undefined)[])[];
}

/**
 * What a module's `render` returns for its tab: plain data the host lays out (the Ink launcher, the web
 * dashboard, a test). Either a list of text lines, or this structure. Hosts show `title`, then `lines`,
 * then `table`, then `footer`, and truncate to the space they have.
 */
export interface ModuleViewV1 {
  /** A heading above the content. Default: the module's `label`. */
  readonly title?: string;
  /** Text lines, shown as they are (no markup). */
  readonly lines?: readonly string[];
  /** A table of records or figures. */
  readonly table?: ModuleTableView;
  /** One line under the content, e.g. `42 records, 3 due today`. */
  readonly footer?: string;
}

/** The result of a module's own `validateRecord`: valid, or refused with a reason per problem. */
export type ModuleRecordCheck =
  | { readonly valid: true }
  | { readonly valid: false; readonly errors: readonly string[] };

/** A module's settings: the manual's `get_settings` / `apply_settings`, with a zod schema for the shape. */
export interface ModuleSettingsV1<Schema extends z.ZodType = z.ZodType> {
  /** Validates (and defaults) the settings the host stores for the module. */
  readonly schema: Schema;
  /** The settings as the module currently holds them. Default: what the host last applied. */
  get?(context: ModuleContextV1<z.output<Schema>>): z.output<Schema> | Promise<z.output<Schema>>;
  /** Called with validated settings at start and after each change. */
  apply?(settings: z.output<Schema>, context: ModuleContextV1<z.output<Schema>>): void | Promise<void>;
}

/**
 * The module contract, version 1. Build one with `defineModule()`; hosts recognise a module by
 * `specificationVersion === 'v1'` and its shape, never by `instanceof`, so modules built against another
 * copy of the SDK still load.
 */
export interface ModuleV1<Settings = Record<string, unknown>> {
  /** Contract version; a new version gets a new file and type. */
  readonly specificationVersion: 'v1';
  /** NAME: `/^[a-z][a-z0-9_-]{0,63}$/`; the `[launcher.tabs]` key and the folder under `<home>/modules/`. */
  readonly name: string;
  /** LABEL: the tab's title. */
  readonly label: string;
  /** VERSION: dotted numbers with an optional pre-release, e.g. `0.31` or `1.2.0-beta.1`. */
  readonly version: string;
  /** DEFAULT_ENABLED: on in the `research` and `consulting` profiles unless configured off. */
  readonly defaultEnabled: boolean;
  /** DEPENDS_ON: names of modules that must be loaded (and are enabled) before this one. */
  readonly dependsOn: readonly string[];
  /** DATA_SCHEMA, or `null` for a module that stores nothing of its own. */
  readonly dataSchema: ModuleDataSchemaV1 | null;
  /** Settings schema and hooks, or `undefined` for a module without settings. */
  readonly settings: ModuleSettingsV1 | undefined;
  /** build_tab: the tab's content, as lines or a `ModuleViewV1`. Default: the label and the record count. */
  render(
    context: ModuleContextV1<Settings>,
  ): ModuleViewV1 | readonly string[] | Promise<ModuleViewV1 | readonly string[]>;
  /** on_refresh: called periodically by the host before it renders again. Default: nothing. */
  refresh(context: ModuleContextV1<Settings>): void | Promise<void>;
  /** on_close: release what the module holds. Default: nothing. */
  close(context: ModuleContextV1<Settings>): void | Promise<void>;
  /** export_data: every record, for portability. Default: every row of the module's table. */
  exportData(context: ModuleContextV1<Settings>): Promise<readonly Readonly<Record<string, unknown>>[]>;
  /**
   * validate_record: the module's own rules on top of the DATA_SCHEMA (which the SDK checks first and
   * this never sees failing). Default: every schema-valid record is valid.
   */
  validateRecord(record: Readonly<Record<string, unknown>>): ModuleRecordCheck;
}
