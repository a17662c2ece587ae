import type { GbnfJsonSchema } from 'node-llama-cpp';
import { LocalModelRequestError } from './errors';

type Schema = Record<string, unknown>;

const STRING_FORMATS = new Set(['date-time', 'time', 'date']);
const BASIC_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null']);

/** Any JSON value, in the dialect node-llama-cpp's grammar generator reads. */
const ANY_JSON: Schema = {
  oneOf: [
    { type: ['string', 'number', 'boolean', 'null'] },
    { type: 'object', additionalProperties: true },
    { type: 'array' },
  ],
};

/**
 * Turns an Ollama `format` JSON schema (as `zod`, Pydantic or hand-written schemas produce it) into the
 * subset node-llama-cpp compiles to a GBNF grammar:
 * - `anyOf` becomes `oneOf`, `definitions` and `#/definitions/` refs become `$defs`, `nullable` adds `null`;
 * - `{}`/`true` and an object schema without `properties` accept any JSON / any keys (JSON Schema's default;
 *   node-llama-cpp's own default would be "no keys");
 * - keywords a grammar cannot enforce (`pattern`, `minimum`, `title`, `$schema`, unknown `format`s, ...)
 *   are dropped, so the output always parses but may still break those constraints;
 * - every listed property is generated, required or not (a node-llama-cpp limitation: the output still
 *   validates, since an optional property may be present).
 * Throws `LocalModelRequestError` (field `format`) for schemas that are not objects or use `allOf`.
 */
export function toGrammarSchema(format: unknown): GbnfJsonSchema {
  return normalize(format, 'format') as GbnfJsonSchema;
}

function normalize(node: unknown, at: string): Schema {
  if (node === true) return ANY_JSON;
  if (typeof node !== 'object' || node === null || Array.isArray(node)) {
    throw invalid(at, `expected a JSON schema object, got ${JSON.stringify(node)}`);
  }
  const schema = node as Schema;
  const defs = normalizeDefs(schema, at);
  const withDefs = (result: Schema): Schema => (defs ? { ...result, $defs: defs } : result);
  const nullable = schema.nullable === true;
  const orNull = (result: Schema): Schema => (nullable ? { oneOf: [result, { type: 'null' }] } : result);

  if (typeof schema.$ref === 'string') {
    return withDefs({ $ref: schema.$ref.replace(/^#\/definitions\//, '#/$defs/') });
  }
  if ('const' in schema) return orNull({ const: schema.const });
  if (Array.isArray(schema.enum)) return orNull({ enum: schema.enum });
  const alternatives = schema.oneOf ?? schema.anyOf;
  if (Array.isArray(alternatives)) {
    return withDefs(
      orNull({ oneOf: alternatives.map((item, index) => normalize(item, `${at}.oneOf[${index}]`)) }),
    );
  }
  if (Array.isArray(schema.allOf)) {
    if (schema.allOf.length === 1) return withDefs(orNull(normalize(schema.allOf[0], `${at}.allOf[0]`)));
    throw new LocalModelRequestError({
      reason: 'unsupported',
      field: 'format',
      message: `${at}: "allOf" with more than one schema is not supported by the embedded backend`,
    });
  }

  const types = (Array.isArray(schema.type) ? schema.type : [schema.type]).filter(
    (type): type is string => typeof type === 'string',
  );
  if (types.length === 0) {
    if (schema.properties !== undefined || schema.additionalProperties !== undefined) types.push('object');
    else if (schema.items !== undefined || schema.prefixItems !== undefined) types.push('array');
    else return withDefs(ANY_JSON);
  }
  if (nullable && !types.includes('null')) types.push('null');
  const branches = types.map((type) => normalizeTyped(schema, type, at));
  return withDefs(branches.length === 1 ? branches[0]! : { oneOf: branches });
}

function normalizeTyped(schema: Schema, type: string, at: string): Schema {
  if (type === 'object') {
    const properties =
      typeof schema.properties === 'object' && schema.properties !== null
        ? Object.fromEntries(
            Object.entries(schema.properties as Schema).map(([key, value]) => [
              key,
              normalize(value, `${at}.properties.${key}`),
            ]),
          )
        : undefined;
    const extra = schema.additionalProperties;
    return {
      type: 'object',
      ...(properties ? { properties } : {}),
      additionalProperties:
        extra === undefined
          ? properties === undefined
          : typeof extra === 'object' && extra !== null
            ? normalize(extra, `${at}.additionalProperties`)
            : extra === true,
      ...numberField(schema, 'minProperties'),
      ...numberField(schema, 'maxProperties'),
    };
  }
  if (type === 'array') {
    return {
      type: 'array',
      ...(schema.items !== undefined && schema.items !== false
        ? { items: normalize(schema.items, `${at}.items`) }
        : {}),
      ...(Array.isArray(schema.prefixItems)
        ? {
            prefixItems: schema.prefixItems.map((item, index) =>
              normalize(item, `${at}.prefixItems[${index}]`),
            ),
          }
        : {}),
      ...numberField(schema, 'minItems'),
      ...numberField(schema, 'maxItems'),
    };
  }
  if (type === 'string') {
    if (typeof schema.format === 'string' && STRING_FORMATS.has(schema.format)) {
      return { type: 'string', format: schema.format };
    }
    return { type: 'string', ...numberField(schema, 'minLength'), ...numberField(schema, 'maxLength') };
  }
  if (BASIC_TYPES.has(type)) return { type };
  throw invalid(`${at}.type`, `unknown type ${JSON.stringify(type)}`);
}

function normalizeDefs(schema: Schema, at: string): Schema | undefined {
  const source = { ...(schema.definitions as Schema | undefined), ...(schema.$defs as Schema | undefined) };
  const entries = Object.entries(source);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([key, value]) => [key, normalize(value, `${at}.$defs.${key}`)]));
}

function numberField(schema: Schema, key: string): Schema {
  const value = schema[key];
  return typeof value === 'number' && Number.isFinite(value) ? { [key]: value } : {};
}

function invalid(at: string, message: string): LocalModelRequestError {
  return new LocalModelRequestError({
    reason: 'invalid-field',
    field: 'format',
    message: `${at}: ${message}`,
  });
}
