import type { z } from 'zod';
import { MODULE_VERSION_PATTERN } from './compare-versions';
import { ModuleDefinitionError } from './errors/module-definition-error';
import {
  MODULE_FIELD_TYPES,
  type ModuleContextV1,
  type ModuleDataSchemaV1,
  type ModuleFieldV1,
  type ModuleRecordCheck,
  type ModuleSettingsV1,
  type ModuleV1,
  type ModuleViewV1,
} from './module-v1';

/** A module of the current specification version. */
export type Module<Settings = Record<string, unknown>> = ModuleV1<Settings>;

/**
 * The pattern every module name matches: a lower-case letter, then up to 63 lower-case letters, digits,
 * `_` or `-`. The name is the folder under `<home>/modules/` and the `[launcher.tabs]` key, so nothing that
 * could escape a folder or break a TOML key gets through.
 */
export const MODULE_NAME_PATTERN: RegExp = /^[a-z][a-z0-9_-]{0,63}$/;

/** The pattern DATA_SCHEMA table and field names match (plain SQL identifiers, nothing to quote). */
export const MODULE_IDENTIFIER_PATTERN: RegExp = /^[a-z][a-z0-9_]{0,63}$/;

/** Field names the module store uses itself. */
export const RESERVED_FIELD_NAMES: readonly string[] = Object.freeze(['id', 'created_at']);

/** What a module's `validateRecord` may return: `true` (valid), or the reason(s) it is not. */
export type ModuleRecordCheckResult = true | string | readonly string[] | ModuleRecordCheck;

/** A DATA_SCHEMA as `defineModule` takes it (`retentionDays` may be left out: kept forever). */
export interface ModuleDataSchemaInput {
  /** Table name in tools.db, `/^[a-z][a-z0-9_]{0,63}$/`, unique across modules. */
  table: string;
  /** Field name -> definition; at least one field, none named `id` or `created_at`. */
  fields: Readonly<Record<string, ModuleFieldV1>>;
  /** Days records are kept (by `created_at`); `null` or left out keeps them forever. Default `null`. */
  retentionDays?: number | null;
}

/** Options for `defineModule` (the manual's class attributes and methods, in camelCase). */
export interface DefineModuleOptions<SettingsSchema extends z.ZodType = z.ZodType<Record<string, unknown>>> {
  /** NAME, `/^[a-z][a-z0-9_-]{0,63}$/`, e.g. `crm`. */
  name: string;
  /** LABEL: the tab title, e.g. `CRM`. */
  label: string;
  /** VERSION, e.g. `0.31` or `1.0.0`. */
  version: string;
  /** DEFAULT_ENABLED. Default `false`. */
  defaultEnabled?: boolean;
  /** DEPENDS_ON: other module names required. Default `[]`. */
  dependsOn?: readonly string[];
  /** DATA_SCHEMA. Default `null` (the module stores nothing). */
  dataSchema?: ModuleDataSchemaInput | null;
  /** Settings schema and get/apply hooks. Default: none. */
  settings?: ModuleSettingsV1<SettingsSchema>;
  /** build_tab. Default: the label, then `N records` (or `no data` without a DATA_SCHEMA). */
  render?: (
    context: ModuleContextV1<z.output<SettingsSchema>>,
  ) => ModuleViewV1 | readonly string[] | Promise<ModuleViewV1 | readonly string[]>;
  /** on_refresh. Default: nothing. */
  refresh?: (context: ModuleContextV1<z.output<SettingsSchema>>) => void | Promise<void>;
  /** on_close. Default: nothing. */
  close?: (context: ModuleContextV1<z.output<SettingsSchema>>) => void | Promise<void>;
  /** export_data. Default: every row of the module's table (`[]` without a DATA_SCHEMA). */
  exportData?: (
    context: ModuleContextV1<z.output<SettingsSchema>>,
  ) => readonly Readonly<Record<string, unknown>>[] | Promise<readonly Readonly<Record<string, unknown>>[]>;
  /**
   * validate_record: extra rules once the DATA_SCHEMA checks pass. Return `true`, or the reason(s) the
   * record is refused. Default: always `true`.
   */
  validateRecord?: (record: Readonly<Record<string, unknown>>) => ModuleRecordCheckResult;
}

const invalid = (module: string | undefined, field: string, message: string, hint?: string) =>
  new ModuleDefinitionError({ code: 'MODULE_INVALID_DEFINITION', module, field, message, hint });

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value != null && typeof value === 'object' && !Array.isArray(value);

function checkField(moduleName: string, fieldName: string, field: unknown): ModuleFieldV1 {
  const where = `dataSchema.fields.${fieldName}`;
  const prefix = `module "${moduleName}": field "${fieldName}"`;
  if (!MODULE_IDENTIFIER_PATTERN.test(fieldName)) {
    throw invalid(
      moduleName,
      where,
      `module "${moduleName}": invalid field name ${JSON.stringify(fieldName)}: use lower case letters, digits and "_", starting with a letter`,
    );
  }
  if (RESERVED_FIELD_NAMES.includes(fieldName)) {
    throw invalid(
      moduleName,
      where,
      `${prefix} is reserved: the module store adds "id" and "created_at" to every record itself`,
    );
  }
  if (!isPlainObject(field))
    throw invalid(moduleName, where, `${prefix} must be an object like { type: 'text' }`);
  const { type, required, enum: allowed, maxLength, description } = field;
  if (typeof type !== 'string' || !MODULE_FIELD_TYPES.includes(type as ModuleFieldV1['type'])) {
    throw invalid(
      moduleName,
      `${where}.type`,
      `${prefix}: unknown type ${JSON.stringify(type)}; use one of ${MODULE_FIELD_TYPES.join(', ')}`,
    );
  }
  if (required !== undefined && typeof required !== 'boolean') {
    throw invalid(moduleName, `${where}.required`, `${prefix}: required must be true or false`);
  }
  if (allowed !== undefined) {
    if (type !== 'text' && type !== 'integer') {
      throw invalid(
        moduleName,
        `${where}.enum`,
        `${prefix}: enum is allowed on text and integer fields only`,
      );
    }
    if (!Array.isArray(allowed) || allowed.length === 0) {
      throw invalid(
        moduleName,
        `${where}.enum`,
        `${prefix}: enum must be a non-empty array of allowed values`,
      );
    }
    for (const value of allowed) {
      const fits = type === 'text' ? typeof value === 'string' : Number.isSafeInteger(value);
      if (!fits) {
        throw invalid(
          moduleName,
          `${where}.enum`,
          `${prefix}: enum value ${JSON.stringify(value)} is not ${type === 'text' ? 'a string' : 'an integer'}`,
        );
      }
    }
    if (new Set(allowed).size !== allowed.length) {
      throw invalid(moduleName, `${where}.enum`, `${prefix}: enum lists a value twice`);
    }
  }
  if (maxLength !== undefined) {
    if (type !== 'text') {
      throw invalid(moduleName, `${where}.maxLength`, `${prefix}: maxLength is allowed on text fields only`);
    }
    if (!Number.isSafeInteger(maxLength) || (maxLength as number) < 1) {
      throw invalid(moduleName, `${where}.maxLength`, `${prefix}: maxLength must be a whole number >= 1`);
    }
  }
  if (description !== undefined && typeof description !== 'string') {
    throw invalid(moduleName, `${where}.description`, `${prefix}: description must be a string`);
  }
  return Object.freeze({
    type: type as ModuleFieldV1['type'],
    required: required ?? false,
    ...(allowed !== undefined ? { enum: Object.freeze([...(allowed as (string | number)[])]) } : {}),
    ...(maxLength !== undefined ? { maxLength: maxLength as number } : {}),
    ...(description !== undefined ? { description } : {}),
  });
}

/**
 * Validates a DATA_SCHEMA and returns it normalised and frozen (`required` filled in, `retentionDays`
 * `null` when left out). Throws `ModuleDefinitionError` (`MODULE_INVALID_DEFINITION`) naming the key.
 */
export function checkDataSchema(moduleName: string, schema: unknown): ModuleDataSchemaV1 {
  if (!isPlainObject(schema)) {
    throw invalid(
      moduleName,
      'dataSchema',
      `module "${moduleName}": dataSchema must be an object { table, fields, retentionDays } or null`,
    );
  }
  const { table, fields, retentionDays = null } = schema;
  if (typeof table !== 'string' || !MODULE_IDENTIFIER_PATTERN.test(table)) {
    throw invalid(
      moduleName,
      'dataSchema.table',
      `module "${moduleName}": invalid table name ${JSON.stringify(table)}: use lower case letters, digits and "_", starting with a letter (e.g. "crm_contacts")`,
    );
  }
  if (table.startsWith('sqlite_') || table.startsWith('__biged')) {
    throw invalid(
      moduleName,
      'dataSchema.table',
      `module "${moduleName}": table name "${table}" is reserved`,
    );
  }
  if (!isPlainObject(fields) || Object.keys(fields).length === 0) {
    throw invalid(
      moduleName,
      'dataSchema.fields',
      `module "${moduleName}": dataSchema.fields must name at least one field, e.g. { name: { type: 'text', required: true } }`,
    );
  }
  if (
    retentionDays !== null &&
    (typeof retentionDays !== 'number' || !Number.isFinite(retentionDays) || retentionDays <= 0)
  ) {
    throw invalid(
      moduleName,
      'dataSchema.retentionDays',
      `module "${moduleName}": retentionDays must be a positive number of days, or null to keep records forever`,
    );
  }
  const checked: Record<string, ModuleFieldV1> = {};
  for (const [fieldName, field] of Object.entries(fields))
    checked[fieldName] = checkField(moduleName, fieldName, field);
  return Object.freeze({ table, fields: Object.freeze(checked), retentionDays });
}

/** Turns whatever a `validateRecord` hook returned into a `ModuleRecordCheck`. */
export function normaliseRecordCheck(result: unknown): ModuleRecordCheck {
  if (result === true) return { valid: true };
  if (typeof result === 'string') return { valid: false, errors: [result] };
  if (Array.isArray(result)) {
    const errors = result.map(String);
    return errors.length === 0 ? { valid: true } : { valid: false, errors };
  }
  if (isPlainObject(result) && result.valid === true) return { valid: true };
  if (isPlainObject(result) && result.valid === false) {
    const errors =
      Array.isArray(result.errors) && result.errors.length > 0 ? result.errors.map(String) : ['refused'];
    return { valid: false, errors };
  }
  // false, undefined or anything else: refused, and say so rather than guess.
  return { valid: false, errors: ['refused by the module (validateRecord returned no reason)'] };
}

const hooks = ['render', 'refresh', 'close', 'exportData', 'validateRecord'] as const;

/**
 * Defines a launcher module. Validates the definition (throws `ModuleDefinitionError`, code
 * `MODULE_INVALID_DEFINITION`, with `field` naming the key at fault) and returns a frozen `Module` with
 * `specificationVersion: 'v1'` and every default filled in.
 *
 * @example
 * ```ts
 * export default defineModule({
 *   name: 'crm',
 *   label: 'CRM',
 *   version: '1.0.0',
 *   dataSchema: {
 *     table: 'crm_contacts',
 *     fields: {
 *       name: { type: 'text', required: true },
 *       status: { type: 'text', enum: ['active', 'inactive'] },
 *     },
 *     retentionDays: null,
 *   },
 *   async render({ data }) {
 *     const rows = await data!.query({ order: 'desc', limit: 10 });
 *     return { table: { columns: ['name', 'status'], rows: rows.map((r) => [r.name, r.status]) } };
 *   },
 * });
 * ```
 */
export function defineModule<SettingsSchema extends z.ZodType = z.ZodType<Record<string, unknown>>>(
  options: DefineModuleOptions<SettingsSchema>,
): Module<z.output<SettingsSchema>> {
  if (!isPlainObject(options)) {
    throw invalid(undefined, '', 'defineModule() needs an object { name, label, version, ... }');
  }
  const {
    name,
    label,
    version,
    defaultEnabled = false,
    dependsOn = [],
    dataSchema = null,
    settings,
  } = options;
  if (typeof name !== 'string' || !MODULE_NAME_PATTERN.test(name)) {
    throw invalid(
      typeof name === 'string' ? name : undefined,
      'name',
      `invalid module name ${JSON.stringify(name)}: use 1-64 lower case letters, digits, "_" or "-", starting with a letter (e.g. "crm")`,
    );
  }
  if (typeof label !== 'string' || label.trim() === '' || label.length > 64) {
    throw invalid(
      name,
      'label',
      `module "${name}": label must be a non-empty string of at most 64 characters`,
    );
  }
  if (typeof version !== 'string' || !MODULE_VERSION_PATTERN.test(version)) {
    throw invalid(
      name,
      'version',
      `module "${name}": invalid version ${JSON.stringify(version)}: use dotted numbers like "0.31" or "1.2.0" (a "-beta.1" suffix is allowed)`,
    );
  }
  if (typeof defaultEnabled !== 'boolean') {
    throw invalid(name, 'defaultEnabled', `module "${name}": defaultEnabled must be true or false`);
  }
  if (!Array.isArray(dependsOn)) {
    throw invalid(name, 'dependsOn', `module "${name}": dependsOn must be an array of module names`);
  }
  for (const dependency of dependsOn) {
    if (typeof dependency !== 'string' || !MODULE_NAME_PATTERN.test(dependency)) {
      throw invalid(
        name,
        'dependsOn',
        `module "${name}": dependsOn lists an invalid module name ${JSON.stringify(dependency)}`,
      );
    }
    if (dependency === name) throw invalid(name, 'dependsOn', `module "${name}" cannot depend on itself`);
  }
  if (new Set(dependsOn).size !== dependsOn.length) {
    throw invalid(name, 'dependsOn', `module "${name}": dependsOn lists a module twice`);
  }
  const schema = dataSchema === null ? null : checkDataSchema(name, dataSchema);
  if (settings !== undefined) {
    if (
      !isPlainObject(settings) ||
      typeof (settings.schema as { safeParse?: unknown })?.safeParse !== 'function'
    ) {
      throw invalid(
        name,
        'settings.schema',
        `module "${name}": settings.schema must be a zod schema, e.g. z.object({ ... })`,
      );
    }
    for (const hook of ['get', 'apply'] as const) {
      if (settings[hook] !== undefined && typeof settings[hook] !== 'function') {
        throw invalid(name, `settings.${hook}`, `module "${name}": settings.${hook} must be a function`);
      }
    }
  }
  for (const hook of hooks) {
    if (options[hook] !== undefined && typeof options[hook] !== 'function') {
      throw invalid(name, hook, `module "${name}": ${hook} must be a function`);
    }
  }

  type Context = ModuleContextV1<z.output<SettingsSchema>>;
  const render =
    options.render ??
    (async (context: Context) => {
      if (!context.data) return [label, 'no data'];
      const count = await context.data.count();
      return [label, `${count} record${count === 1 ? '' : 's'}`];
    });
  const exportData =
    options.exportData ?? (async (context: Context) => (context.data ? context.data.query() : []));
  const validateRecord = options.validateRecord;

  return Object.freeze({
    specificationVersion: 'v1' as const,
    name,
    label,
    version,
    defaultEnabled,
    dependsOn: Object.freeze([...dependsOn]),
    dataSchema: schema,
    settings: settings === undefined ? undefined : Object.freeze({ ...settings }),
    render,
    refresh: options.refresh ?? (() => {}),
    close: options.close ?? (() => {}),
    exportData: async (context: Context) => [...(await exportData(context))],
    validateRecord: (record: Readonly<Record<string, unknown>>) =>
      validateRecord ? normaliseRecordCheck(validateRecord(record)) : { valid: true as const },
  }) as Module<z.output<SettingsSchema>>;
}

/**
 * True when `value` looks like a module of specification v1: `specificationVersion === 'v1'`, a string
 * `name`, `label` and `version`, a `dependsOn` array and the lifecycle functions. Checked by shape, not
 * `instanceof`, so modules built against another copy of the SDK are recognised.
 */
export function isModule(value: unknown): value is Module {
  if (value == null || typeof value !== 'object') return false;
  const candidate = value as Partial<Record<keyof Module, unknown>>;
  return (
    candidate.specificationVersion === 'v1' &&
    typeof candidate.name === 'string' &&
    typeof candidate.label === 'string' &&
    typeof candidate.version === 'string' &&
    Array.isArray(candidate.dependsOn) &&
    typeof candidate.render === 'function' &&
    typeof candidate.refresh === 'function' &&
    typeof candidate.close === 'function' &&
    typeof candidate.exportData === 'function' &&
    typeof candidate.validateRecord === 'function'
  );
}
