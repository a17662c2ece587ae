import { normaliseRecordCheck, RESERVED_FIELD_NAMES } from './define-module';
import { ModuleRecordError, type ModuleRecordIssue } from './errors/module-record-error';
import type { ModuleDataSchemaV1, ModuleFieldV1, ModuleFieldValue, ModuleV1 } from './module-v1';

/** Largest record accepted, in bytes of its JSON form: 1 MiB. */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** A record that passed validation: every DATA_SCHEMA field present (`null` when not given). */
export type NormalisedRecord = Readonly<Record<string, ModuleFieldValue>>;

/** The result of `validateRecord`: the normalised record, or every problem found. */
export type RecordValidation =
  | { readonly valid: true; readonly record: NormalisedRecord }
  | { readonly valid: false; readonly issues: readonly ModuleRecordIssue[] };

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

const describe = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  let text: string;
  try {
    text = JSON.stringify(value) ?? typeof value;
  } catch {
    text = typeof value;
  }
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
};

function isJsonValue(value: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJsonValue(item, depth + 1));
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return false;
    return Object.values(value as object).every((item) => isJsonValue(item, depth + 1));
  }
  return false;
}

/** Checks one value against its field; returns the stored form, or a problem. */
function checkValue(field: ModuleFieldV1, value: unknown): { value: ModuleFieldValue } | { problem: string } {
  switch (field.type) {
    case 'text': {
      if (typeof value !== 'string') return { problem: `expected text, got ${describe(value)}` };
      if (field.maxLength !== undefined && value.length > field.maxLength) {
        return { problem: `longer than ${field.maxLength} characters (${value.length})` };
      }
      break;
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
        return { problem: `expected an integer, got ${describe(value)}` };
      }
      break;
    case 'real':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        return { problem: `expected a finite number, got ${describe(value)}` };
      }
      break;
    case 'boolean':
      if (typeof value !== 'boolean') return { problem: `expected true or false, got ${describe(value)}` };
      break;
    case 'datetime': {
      if (value instanceof Date) {
        if (Number.isNaN(value.getTime())) return { problem: 'invalid Date' };
        return { value: value.toISOString() };
      }
      if (typeof value !== 'string' || !ISO_DATE.test(value) || !Number.isFinite(Date.parse(value))) {
        return {
          problem: `expected an ISO 8601 date or date-time such as "2026-11-24T10:00:00Z", got ${describe(value)}`,
        };
      }
      break;
    }
    case 'json':
      if (!isJsonValue(value)) return { problem: `expected a JSON value, got ${describe(value)}` };
      return { value: value as ModuleFieldValue };
  }
  if (field.enum !== undefined && !field.enum.includes(value as string | number)) {
    return {
      problem: `${describe(value)} is not one of ${field.enum.map((item) => JSON.stringify(item)).join(', ')}`,
    };
  }
  return { value: value as ModuleFieldValue };
}

/**
 * Checks a record against a DATA_SCHEMA alone (no module hook): a plain object, no unknown or reserved
 * field, every required field present and not `null`, each value of its field's type, within `enum` and
 * `maxLength`, and at most `MAX_RECORD_BYTES` as JSON. Every problem is reported, not just the first.
 */
export function validateRecordAgainstSchema(schema: ModuleDataSchemaV1, record: unknown): RecordValidation {
  if (record == null || typeof record !== 'object' || Array.isArray(record)) {
    return {
      valid: false,
      issues: [{ message: `a record must be an object of fields, got ${describe(record)}` }],
    };
  }
  const issues: ModuleRecordIssue[] = [];
  const input = record as Record<string, unknown>;
  for (const key of Object.keys(input)) {
    if (RESERVED_FIELD_NAMES.includes(key)) {
      issues.push({ field: key, message: `"${key}" is set by the module store, not by the record` });
    } else if (!Object.hasOwn(schema.fields, key)) {
      issues.push({
        field: key,
        message: `unknown field (table ${schema.table} has: ${Object.keys(schema.fields).join(', ')})`,
      });
    }
  }
  const normalised: Record<string, ModuleFieldValue> = {};
  for (const [name, field] of Object.entries(schema.fields)) {
    const value = Object.hasOwn(input, name) ? input[name] : undefined;
    if (value === undefined || value === null) {
      if (field.required) issues.push({ field: name, message: 'required' });
      normalised[name] = null;
      continue;
    }
    const checked = checkValue(field, value);
    if ('problem' in checked) issues.push({ field: name, message: checked.problem });
    else normalised[name] = checked.value;
  }
  if (issues.length === 0) {
    const bytes = Buffer.byteLength(JSON.stringify(normalised), 'utf8');
    if (bytes > MAX_RECORD_BYTES) {
      issues.push({ message: `record is ${bytes} bytes as JSON; the limit is ${MAX_RECORD_BYTES}` });
    }
  }
  return issues.length > 0 ? { valid: false, issues } : { valid: true, record: Object.freeze(normalised) };
}

/**
 * validate_record: checks `record` against the module's DATA_SCHEMA (see `validateRecordAgainstSchema`),
 * then, when that passes, the module's own `validateRecord` hook. A module without a DATA_SCHEMA stores no
 * records, so every record is refused.
 */
export function validateRecord(module: ModuleV1, record: unknown): RecordValidation {
  if (module.dataSchema === null) {
    return {
      valid: false,
      issues: [{ message: `module "${module.name}" has no DATA_SCHEMA and stores no records` }],
    };
  }
  const result = validateRecordAgainstSchema(module.dataSchema, record);
  if (!result.valid) return result;
  let check: ReturnType<typeof normaliseRecordCheck>;
  try {
    check = normaliseRecordCheck(module.validateRecord(result.record));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return {
      valid: false,
      issues: [{ message: `validateRecord of module "${module.name}" threw: ${reason}` }],
    };
  }
  if (check.valid) return result;
  return { valid: false, issues: check.errors.map((message) => ({ message })) };
}

/**
 * Like `validateRecord`, but returns the normalised record or throws `ModuleRecordError`
 * (`MODULE_INVALID_RECORD`) listing every problem.
 */
export function assertValidRecord(module: ModuleV1, record: unknown): NormalisedRecord {
  const result = validateRecord(module, record);
  if (!result.valid) throw new ModuleRecordError({ module: module.name, issues: result.issues });
  return result.record;
}
