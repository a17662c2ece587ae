import { LocalModelRequestError } from './errors';

type Schema = Record<string, unknown>;

/** A JSON schema compiled to a GBNF grammar by `compileJsonSchemaGrammar`. */
export interface JsonSchemaGrammar {
  /** GBNF text whose `root` rule matches the JSON value, then the end marker (`GRAMMAR_END_MARKER`). */
  gbnf: string;
  /**
   * Keywords the grammar does not enforce, as `format.<path>.<keyword>` (`format.properties.note.pattern`).
   * Annotations (`title`, `description`, `default`, `$schema`, ...) are dropped without being listed.
   */
  ignored: string[];
}

/**
 * Text the grammar forces after the JSON value, and the stop trigger that ends generation on it. Without it
 * the end of the answer would rest on the model sampling its end token, which a small model may never do
 * at the one place the grammar allows it (node-llama-cpp's own JSON-schema grammars do the same).
 */
export const GRAMMAR_END_MARKER = '\n\n\n\n';

/** Digits of an integer without a bound: 15 digits are always exact as JavaScript numbers. */
const DEFAULT_BOUND = 999_999_999_999_999;
const MAX_DEPTH = 64;
const SEPARATOR = '"," space';

/** Keywords that only describe a schema: dropped without a note. */
const ANNOTATIONS = new Set([
  '$schema',
  '$id',
  '$anchor',
  '$dynamicAnchor',
  '$comment',
  '$vocabulary',
  'title',
  'description',
  'default',
  'examples',
  'example',
  'deprecated',
  'readOnly',
  'writeOnly',
  'contentEncoding',
  'contentMediaType',
  'contentSchema',
  '$defs',
  'definitions',
]);

/** Keywords this compiler reads. Every other keyword is dropped and listed in `ignored`. */
const HANDLED = new Set([
  'type',
  'nullable',
  'const',
  'enum',
  'anyOf',
  'oneOf',
  'allOf',
  '$ref',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'prefixItems',
  'additionalItems',
  'minItems',
  'maxItems',
  'minLength',
  'maxLength',
  'format',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  // Always met: every generated key and item is evaluated by properties/additionalProperties/items.
  'unevaluatedProperties',
  'unevaluatedItems',
]);

/**
 * Keywords whose meaning a grammar cannot guarantee and that change the structure of the value: a 400 rather
 * than an answer that breaks the schema.
 */
const UNSUPPORTED = [
  'not',
  'if',
  'then',
  'else',
  'dependentSchemas',
  'dependentRequired',
  'dependencies',
  'contains',
  'minContains',
  'maxContains',
  '$dynamicRef',
  '$recursiveRef',
] as const;

/** Keywords that only constrain keys beyond `properties`: fine while no such keys are generated. */
const EXTRA_KEY_KEYWORDS = ['patternProperties', 'propertyNames'] as const;

const PRIMITIVES: Record<string, string> = {
  // One optional space between tokens and never a newline: a chat template's end-of-turn text (often "\n")
  // can then never show up inside the value.
  space: '" "?',
  char: '[^"\\\\\\x7F\\x00-\\x1F] | "\\\\" (["\\\\/bfnrt] | "u" [0-9a-fA-F]{4})',
  'json-string': '"\\"" char* "\\"" space',
  // No exponent, at most 15 integer and 15 fraction digits: never Infinity, never a fraction posing as an
  // integer ("5E-3"), always exact in JavaScript.
  'json-number': '"-"? ("0" | [1-9] [0-9]{0,14}) ("." [0-9]{1,15})? space',
  'json-boolean': '("true" | "false") space',
  'json-null': '"null" space',
  'json-value': 'json-object | json-array | json-string | json-number | json-boolean | json-null',
  'json-object':
    '"{" space (json-string ":" space json-value ("," space json-string ":" space json-value)*)? "}" space',
  'json-array': '"[" space (json-value ("," space json-value)*)? "]" space',
  // Days that exist in every year (no February 29th), so the date is real, not just well-formed.
  'format-date':
    '[0-9]{4} "-" (("0" [13578] | "1" [02]) "-" ("0" [1-9] | [12] [0-9] | "3" [01]) | ("0" [469] | "11") "-" ("0" [1-9] | [12] [0-9] | "30") | "02-" ("0" [1-9] | "1" [0-9] | "2" [0-8]))',
  'format-time':
    '([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ("." [0-9]{3})? ("Z" | ("+" | "-") ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9])',
};

/** What each primitive needs defined besides itself. */
const PRIMITIVE_NEEDS: Record<string, string[]> = {
  'json-string': ['char', 'space'],
  'json-number': ['space'],
  'json-boolean': ['space'],
  'json-null': ['space'],
  'json-value': ['json-object', 'json-array', 'json-string', 'json-number', 'json-boolean', 'json-null'],
  'json-object': ['space', 'json-string', 'json-value'],
  'json-array': ['space', 'json-value'],
};

const STRING_FORMATS: Record<string, string> = {
  date: '"\\"" format-date "\\"" space',
  time: '"\\"" format-time "\\"" space',
  'date-time': '"\\"" format-date "T" format-time "\\"" space',
  uuid: '"\\"" [0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{12} "\\"" space',
};

/**
 * Compiles an Ollama `format` JSON schema (as zod's `z.toJSONSchema`, Pydantic or a hand-written schema
 * produces it) to a GBNF grammar whose every complete output `JSON.parse`s and validates against the schema:
 * - enforced: `type` (also lists), `properties`, `required` (optional properties may be left out),
 *   `additionalProperties`, `items`, `prefixItems` (and draft-07 tuple `items`/`additionalItems`),
 *   `minItems`/`maxItems`, `enum`, `const`, `anyOf`/`oneOf`, `allOf` with one schema, `$ref` to
 *   `#/$defs/...`, `#/definitions/...` or any other pointer into the schema, `nullable`,
 *   `minLength`/`maxLength`, `format: date | time | date-time | uuid`, integer `minimum`/`maximum`/
 *   `exclusiveMinimum`/`exclusiveMaximum` (exactly), and number bounds (by the integer part, so the grammar
 *   allows a subset: a range holding no whole number yields its midpoint);
 * - numbers are written without exponent, integers without bounds with at most 15 digits;
 * - an object with `properties` never gets other keys (allowed, never required); one without them (and
 *   `additionalProperties` not false) takes any keys;
 * - annotations (`$schema`, `title`, `description`, `default`, ...) are dropped; constraints a grammar cannot
 *   enforce (`pattern`, other `format`s, `multipleOf`, `uniqueItems`, `minProperties`, ...) are dropped and
 *   listed in `ignored`.
 * Throws `LocalModelRequestError` (field `format`, naming the keyword) for what it cannot honour: `not`,
 * `if`/`then`/`else`, `dependentSchemas`/`dependentRequired`/`dependencies`, `contains`, `allOf` with several
 * schemas, a `$ref` cycle or a `$ref` outside the schema, and for schemas that are not schemas.
 */
export function compileJsonSchemaGrammar(format: unknown): JsonSchemaGrammar {
  const compiler = new Compiler(format);
  const root = compiler.visit(format, 'format', 0);
  return { gbnf: compiler.render(root), ignored: compiler.ignored };
}

class Compiler {
  readonly ignored: string[] = [];
  private readonly rules = new Map<string, string>();
  private readonly names = new Map<string, string>();
  private readonly refs = new Map<string, string>();
  private readonly resolving = new Set<string>();

  constructor(private readonly document: unknown) {
    this.primitive('space');
  }

  render(root: string): string {
    const lines = [`root ::= ${root} ${literal(GRAMMAR_END_MARKER)} [\\n]*`];
    for (const [name, body] of this.rules) lines.push(`${name} ::= ${body}`);
    return `${lines.join('\n')}\n`;
  }

  /** Returns a GBNF expression matching a value of `node`, followed by optional space. */
  visit(node: unknown, at: string, depth: number): string {
    if (depth > MAX_DEPTH) throw unsupported(at, `the schema nests deeper than ${MAX_DEPTH} levels`);
    if (node === true) return this.primitive('json-value');
    if (node === false) throw invalid(at, 'the schema `false` accepts no value');
    if (!isObject(node)) throw invalid(at, `expected a JSON schema object, got ${JSON.stringify(node)}`);
    const schema = node;
    for (const keyword of UNSUPPORTED) {
      if (keyword in schema) throw unsupported(at, `"${keyword}" is not supported by the embedded backend`);
    }
    if (typeof schema.$ref === 'string') return this.ref(schema.$ref, at, depth);
    if (schema.$ref !== undefined) throw invalid(`${at}.$ref`, '$ref must be a string');

    if (schema.allOf !== undefined) {
      if (!Array.isArray(schema.allOf) || schema.allOf.length === 0)
        throw invalid(`${at}.allOf`, 'allOf must be a non-empty array');
      if (schema.allOf.length > 1)
        throw unsupported(at, '"allOf" with more than one schema is not supported by the embedded backend');
      const { allOf, ...rest } = schema;
      const only: unknown = allOf[0];
      return this.visit(isObject(only) ? merge(rest, only) : only, `${at}.allOf[0]`, depth + 1);
    }

    const alternatives = schema.anyOf ?? schema.oneOf;
    if (alternatives !== undefined) {
      const keyword = schema.anyOf !== undefined ? 'anyOf' : 'oneOf';
      if (!Array.isArray(alternatives) || alternatives.length === 0)
        throw invalid(`${at}.${keyword}`, `${keyword} must be a non-empty array`);
      const { anyOf: _anyOf, oneOf: _oneOf, nullable, ...rest } = schema;
      // Sibling keywords (a shared `type`, `properties`, ...) apply to every branch.
      const shared = Object.keys(rest).some((key) => HANDLED.has(key));
      const branches = alternatives.map((branch, index) =>
        this.visit(
          shared && isObject(branch) ? merge(rest, branch) : branch,
          `${at}.${keyword}[${index}]`,
          depth + 1,
        ),
      );
      if (nullable === true) branches.push(this.primitive('json-null'));
      return group(unique(branches));
    }
    this.noteIgnored(schema, at);

    const types = this.types(schema, at);
    if ('const' in schema || schema.enum !== undefined) return this.literals(schema, types, at);
    if (types === undefined) return this.primitive('json-value');
    return group(unique(types.map((type) => this.typed(schema, type, at, depth))));
  }

  private types(schema: Schema, at: string): string[] | undefined {
    let types: string[];
    if (typeof schema.type === 'string') types = [schema.type];
    else if (Array.isArray(schema.type) && schema.type.every((type) => typeof type === 'string'))
      types = [...schema.type];
    else if (schema.type !== undefined)
      throw invalid(`${at}.type`, 'type must be a string or an array of strings');
    else if (
      schema.properties !== undefined ||
      schema.additionalProperties !== undefined ||
      schema.required !== undefined
    )
      types = ['object'];
    else if (schema.items !== undefined || schema.prefixItems !== undefined) types = ['array'];
    else return undefined;
    if (types.length === 0) throw invalid(`${at}.type`, 'type lists no type');
    if (schema.nullable === true && !types.includes('null')) types.push('null');
    return types;
  }

  private literals(schema: Schema, types: string[] | undefined, at: string): string {
    const keyword = 'const' in schema ? 'const' : 'enum';
    const values = keyword === 'const' ? [schema.const] : schema.enum;
    if (!Array.isArray(values) || values.length === 0)
      throw invalid(`${at}.enum`, 'enum must be a non-empty array');
    const allowed = values.filter(
      (value) => types === undefined || types.some((type) => isOfType(value, type)),
    );
    if (schema.nullable === true && !allowed.includes(null)) allowed.push(null);
    if (allowed.length === 0)
      throw invalid(`${at}.${keyword}`, `no ${keyword} value is of type ${JSON.stringify(schema.type)}`);
    return group(unique(allowed.map((value) => `${literal(JSON.stringify(value))} space`)));
  }

  private typed(schema: Schema, type: string, at: string, depth: number): string {
    switch (type) {
      case 'string':
        return this.string(schema, at);
      case 'integer':
        return this.integer(schema, at);
      case 'number':
        return this.number(schema, at);
      case 'boolean':
        return this.primitive('json-boolean');
      case 'null':
        return this.primitive('json-null');
      case 'object':
        return this.object(schema, at, depth);
      case 'array':
        return this.array(schema, at, depth);
      default:
        throw invalid(`${at}.type`, `unknown type ${JSON.stringify(type)}`);
    }
  }

  private string(schema: Schema, at: string): string {
    if (typeof schema.format === 'string' && schema.format in STRING_FORMATS) {
      this.primitive('space');
      if (schema.format === 'date' || schema.format === 'date-time') this.primitive('format-date');
      if (schema.format === 'time' || schema.format === 'date-time') this.primitive('format-time');
      return this.rule(`string-${schema.format}`, STRING_FORMATS[schema.format]!);
    }
    const min = count(schema, 'minLength', at) ?? 0;
    const max = count(schema, 'maxLength', at);
    if (min === 0 && max === undefined) return this.primitive('json-string');
    if (max !== undefined && max < min) throw invalid(at, `maxLength ${max} is below minLength ${min}`);
    this.primitive('char');
    this.primitive('space');
    return this.rule(at, `"\\"" ${repetition('char', min, max)} "\\"" space`);
  }

  private integer(schema: Schema, at: string): string {
    const { low, high } = bounds(schema, at);
    let min =
      low === undefined ? undefined : low.exclusive ? Math.floor(low.value) + 1 : Math.ceil(low.value);
    let max =
      high === undefined ? undefined : high.exclusive ? Math.ceil(high.value) - 1 : Math.floor(high.value);
    // Past 2^53 JavaScript numbers are no longer exact; without a bound, 15 digits.
    min = Math.max(min ?? -Math.max(DEFAULT_BOUND, -(max ?? 0)), -Number.MAX_SAFE_INTEGER);
    max = Math.min(max ?? Math.max(DEFAULT_BOUND, min), Number.MAX_SAFE_INTEGER);
    if (min > max) throw invalid(at, 'no integer lies between its minimum and maximum');
    this.primitive('space');
    return this.rule(at, `${group(integerRange(min, max))} space`);
  }

  private number(schema: Schema, at: string): string {
    const { low, high } = bounds(schema, at);
    if (low === undefined && high === undefined) return this.primitive('json-number');
    if (
      low &&
      high &&
      (low.value > high.value || (low.value === high.value && (low.exclusive || high.exclusive)))
    )
      throw invalid(at, 'no number lies between its minimum and maximum');
    const fraction = '("." [0-9]{1,15})?';
    const options: string[] = [];
    // Non-negative values: whole part i with any fraction while i + 1 stays within the upper bound.
    if (!high || high.value > 0 || (high.value === 0 && !high.exclusive)) {
      const from =
        low === undefined || low.value < 0
          ? 0
          : low.exclusive
            ? Math.floor(low.value) + 1
            : Math.ceil(low.value);
      const { full, exact } = upperWholeParts(high);
      if (from <= full) options.push(`${group(integerRange(from, full))} ${fraction}`);
      if (exact !== undefined && exact > full && exact >= from) options.push(literal(String(exact)));
    }
    // Negative values: the same on the magnitude, the lower bound becoming its upper bound.
    if (!low || low.value < 0) {
      const magnitudeLow =
        high === undefined || high.value >= 0
          ? 1
          : high.exclusive
            ? Math.floor(-high.value) + 1
            : Math.ceil(-high.value);
      const { full, exact } = upperWholeParts(low && { value: -low.value, exclusive: low.exclusive });
      const from = Math.max(1, magnitudeLow);
      if (from <= full) options.push(`"-" ${group(integerRange(from, full))} ${fraction}`);
      if (exact !== undefined && exact > full && exact >= from) options.push(literal(String(-exact)));
    }
    if (options.length === 0) {
      // No whole part fits (e.g. 0.2..0.8, or bounds past 15 digits): a value inside the range.
      const inside =
        low && high
          ? (low.value + high.value) / 2
          : low
            ? low.value + (low.exclusive ? 1 : 0)
            : high!.value - (high!.exclusive ? 1 : 0);
      options.push(literal(String(inside)));
    }
    this.primitive('space');
    return this.rule(at, `${group(options)} space`);
  }

  private object(schema: Schema, at: string, depth: number): string {
    const properties = schema.properties ?? {};
    if (!isObject(properties)) throw invalid(`${at}.properties`, 'properties must be an object');
    if (
      schema.required !== undefined &&
      !(Array.isArray(schema.required) && schema.required.every((key) => typeof key === 'string'))
    )
      throw invalid(`${at}.required`, 'required must be an array of strings');
    const required = new Set((schema.required as string[] | undefined) ?? []);
    const extra = schema.additionalProperties;
    if (extra !== undefined && typeof extra !== 'boolean' && !isObject(extra))
      throw invalid(`${at}.additionalProperties`, 'additionalProperties must be a boolean or a schema');
    const listed = Object.keys(properties);
    // Keys beyond `properties` are generated only for objects that list none (maps, "any object").
    const extraKeys = listed.length === 0 && extra !== false;
    if (extraKeys) {
      for (const keyword of EXTRA_KEY_KEYWORDS) {
        if (!(keyword in schema)) continue;
        // `{ type: "string" }` (what zod writes for `z.record(z.string(), ...)`) holds for every JSON key.
        if (keyword === 'propertyNames' && isAnyStringSchema(schema.propertyNames)) continue;
        throw unsupported(at, `"${keyword}" is not supported by the embedded backend on an open object`);
      }
    } else {
      for (const keyword of EXTRA_KEY_KEYWORDS) if (keyword in schema) this.ignored.push(`${at}.${keyword}`);
    }
    this.primitive('space');
    const entries: Array<[string, unknown, string]> = listed
      // A property whose schema is `false` must not appear: leave it out (a 400 below if it is required).
      .filter((key) => properties[key] !== false || required.has(key))
      .map((key) => [key, properties[key], `${at}.properties.${key}`]);
    // Required keys that `properties` does not describe take the additionalProperties schema.
    for (const key of required) {
      if (!(key in properties)) entries.push([key, isObject(extra) ? extra : true, `${at}.required.${key}`]);
    }
    const pairs = new Map<string, string>();
    for (const [key, value, path] of entries) {
      pairs.set(
        key,
        this.rule(
          `${path}-kv`,
          `${literal(JSON.stringify(key))} space ":" space ${this.visit(value, path, depth + 1)}`,
        ),
      );
    }
    const segments: string[] = [];
    if (entries.length > 0) {
      // Keys in their listed order, optional ones free to be left out. The first key written takes no
      // comma: it is one of the keys up to the first required one, and the rest follow as a chain.
      const kinds = entries.map(([key]) => required.has(key));
      const kvs = entries.map(([key]) => pairs.get(key)!);
      const tails: string[] = [];
      for (let index = kvs.length - 1; index >= 0; index--) {
        const item = kinds[index] ? `${SEPARATOR} ${kvs[index]}` : `(${SEPARATOR} ${kvs[index]})?`;
        const next = tails[index + 1];
        tails[index] = this.rule(`${at}-after-${index}`, next ? `${item} ${next}` : item);
      }
      const firstRequired = kinds.indexOf(true);
      const last = firstRequired === -1 ? kvs.length - 1 : firstRequired;
      const starts = kvs
        .slice(0, last + 1)
        .map((kv, index) => (tails[index + 1] ? `${kv} ${tails[index + 1]}` : kv));
      segments.push(firstRequired === -1 ? `(${starts.join(' | ')})?` : group(starts));
    }
    if (extraKeys) {
      this.primitive('json-string');
      const value = isObject(extra)
        ? this.visit(extra, `${at}.additionalProperties`, depth + 1)
        : this.primitive('json-value');
      const pair = this.rule(`${at}-additional-kv`, `json-string ":" space ${value}`);
      // Only objects without listed properties get here: their entries are all required, or none.
      segments.push(segments.length > 0 ? `(${SEPARATOR} ${pair})*` : `(${pair} (${SEPARATOR} ${pair})*)?`);
    }
    return this.rule(at, ['"{" space', ...segments, '"}" space'].join(' '));
  }

  private array(schema: Schema, at: string, depth: number): string {
    const min = count(schema, 'minItems', at) ?? 0;
    const max = count(schema, 'maxItems', at);
    if (max !== undefined && max < min) throw invalid(at, `maxItems ${max} is below minItems ${min}`);
    this.primitive('space');
    const tuple = Array.isArray(schema.prefixItems)
      ? { items: schema.prefixItems as unknown[], keyword: 'prefixItems', rest: schema.items }
      : Array.isArray(schema.items)
        ? { items: schema.items as unknown[], keyword: 'items', rest: schema.additionalItems }
        : undefined;
    const itemRule = (item: unknown, path: string) =>
      item === undefined || item === true ? this.primitive('json-value') : this.visit(item, path, depth + 1);
    let body: string;
    if (tuple) {
      // The listed items are all generated (allowed, and it keeps their positions meaningful).
      const fixed = tuple.items
        .slice(0, max ?? tuple.items.length)
        .map((item, index) => this.visit(item, `${at}.${tuple.keyword}[${index}]`, depth + 1));
      const needed = Math.max(0, min - fixed.length);
      const room = max === undefined ? undefined : max - fixed.length;
      // Items past the listed ones are generated only when minItems asks for them or a schema describes them.
      let more = '';
      if (tuple.rest !== false && room !== 0 && (tuple.rest !== undefined || needed > 0)) {
        const item = itemRule(tuple.rest, `${at}.items`);
        more =
          fixed.length === 0
            ? repetitionWithSeparator(item, needed, room)
            : repetition(`(${SEPARATOR} ${item})`, needed, room);
      } else if (needed > 0) {
        throw invalid(at, `minItems ${min} asks for more items than ${tuple.keyword} allows`);
      }
      body = [fixed.join(` ${SEPARATOR} `), more].filter(Boolean).join(' ');
    } else if (schema.items === false) {
      if (min > 0) throw invalid(at, `minItems ${min} asks for items, but items is false`);
      body = '';
    } else {
      body = repetitionWithSeparator(itemRule(schema.items, `${at}.items`), min, max);
    }
    return this.rule(at, ['"[" space', body, '"]" space'].filter(Boolean).join(' '));
  }

  private ref(ref: string, at: string, depth: number): string {
    if (ref !== '#' && !ref.startsWith('#/'))
      throw unsupported(
        `${at}.$ref`,
        `"$ref" ${JSON.stringify(ref)} points outside the schema; only "#/..." refs are supported`,
      );
    const done = this.refs.get(ref);
    if (done) return done;
    if (this.resolving.has(ref))
      throw unsupported(
        `${at}.$ref`,
        `"$ref" cycle through ${JSON.stringify(ref)} is not supported by the embedded backend`,
      );
    const target = resolvePointer(this.document, ref);
    if (target === undefined) throw invalid(`${at}.$ref`, `"$ref" ${JSON.stringify(ref)} points to nothing`);
    this.resolving.add(ref);
    const body = this.visit(target, `format${ref.slice(1).replaceAll('/', '.')}`, depth + 1);
    this.resolving.delete(ref);
    const name = this.rule(`ref${ref.slice(1)}`, body);
    this.refs.set(ref, name);
    return name;
  }

  private noteIgnored(schema: Schema, at: string): void {
    for (const key of Object.keys(schema)) {
      if (HANDLED.has(key) || ANNOTATIONS.has(key) || (EXTRA_KEY_KEYWORDS as readonly string[]).includes(key))
        continue;
      this.ignored.push(`${at}.${key}`);
    }
    if (typeof schema.format === 'string' && !(schema.format in STRING_FORMATS))
      this.ignored.push(`${at}.format`);
  }

  private primitive(name: string): string {
    if (!this.rules.has(name)) {
      this.rules.set(name, PRIMITIVES[name]!);
      for (const need of PRIMITIVE_NEEDS[name] ?? []) this.primitive(need);
    }
    return name;
  }

  /** Adds a rule (or finds the identical one) and returns its name. */
  private rule(hint: string, body: string): string {
    const existing = this.names.get(body);
    if (existing) return existing;
    const base = `s-${
      hint
        .replace(/^format\.?/, '')
        .replace(/[^a-zA-Z0-9]+/g, '-')
        .replace(/^-|-$/g, '') || 'root'
    }`.slice(0, 80);
    let name = base;
    for (let index = 2; this.rules.has(name); index++) name = `${base}-${index}`;
    this.rules.set(name, body);
    this.names.set(body, name);
    return name;
  }
}

/**
 * Longest bounded repetition the grammar spells out. llama.cpp expands `x{m,n}` into n rules and refuses
 * grammars past a few thousand ("number of rules ... exceeds sane defaults"); zod's `.max(2000)` on a
 * string is common in skill payloads. Above this a bound is left to the caller's validation (the fleet
 * validates every structured answer with the skill's schema), so the grammar stays small.
 */
export const MAX_GRAMMAR_REPETITION = 256;

/** `item` repeated min..max times (max undefined: unbounded), as GBNF; bounds past the limit are relaxed. */
function repetition(item: string, minimum: number, maximum: number | undefined): string {
  const min = Math.min(minimum, MAX_GRAMMAR_REPETITION);
  const max = maximum !== undefined && maximum > MAX_GRAMMAR_REPETITION ? undefined : maximum;
  if (max === 0) return '';
  if (min === 0 && max === 1) return `${item}?`;
  if (min === 0 && max === undefined) return `${item}*`;
  if (min === 1 && max === undefined) return `${item}+`;
  if (min === max) return `${item}{${min}}`;
  return `${item}{${min},${max ?? ''}}`;
}

/** `item` repeated min..max times with `","` between the items. */
function repetitionWithSeparator(item: string, min: number, max: number | undefined): string {
  if (max === 0) return '';
  const rest = repetition(
    `(${SEPARATOR} ${item})`,
    Math.max(0, min - 1),
    max === undefined ? undefined : max - 1,
  );
  const sequence = rest ? `${item} ${rest}` : item;
  return min === 0 ? `(${sequence})?` : sequence;
}

/** Alternatives matching exactly the decimal integers in [min, max] (no leading zeros, no "-0"). */
export function integerRange(min: number, max: number): string[] {
  const options: string[] = [];
  if (min < 0) {
    const magnitudes = positiveRange(Math.max(1, -max), -min);
    options.push(`"-" ${group(magnitudes)}`);
  }
  if (min <= 0 && max >= 0) options.push('"0"');
  if (max >= 1) options.push(...positiveRange(Math.max(1, min), max));
  return options;
}

/** Alternatives for the integers in [min, max], 1 <= min <= max. */
function positiveRange(min: number, max: number): string[] {
  const options: string[] = [];
  const minDigits = String(min).length;
  const maxDigits = String(max).length;
  let fullFrom: number | undefined;
  const flushFull = (lastDigits: number) => {
    if (fullFrom === undefined) return;
    options.push(
      fullFrom === lastDigits ? fullLength(fullFrom) : `[1-9] [0-9]{${fullFrom - 1},${lastDigits - 1}}`,
    );
    fullFrom = undefined;
  };
  for (let digits = minDigits; digits <= maxDigits; digits++) {
    const low = digits === minDigits ? min : 10 ** (digits - 1);
    const high = digits === maxDigits ? max : 10 ** digits - 1;
    if (low === 10 ** (digits - 1) && high === 10 ** digits - 1) {
      fullFrom ??= digits;
      continue;
    }
    flushFull(digits - 1);
    options.push(...sameLength(String(low), String(high)));
  }
  flushFull(maxDigits);
  return options;
}

function fullLength(digits: number): string {
  return digits === 1 ? '[1-9]' : `[1-9] [0-9]{${digits - 1}}`;
}

/** Alternatives for the digit strings in [low, high], both of the same length. */
function sameLength(low: string, high: string): string[] {
  if (low === high) return [literal(low)];
  if (low[0] === high[0]) return [`${literal(low[0]!)} ${group(sameLength(low.slice(1), high.slice(1)))}`];
  const rest = low.length - 1;
  const tail = rest > 0 ? ` ${rest === 1 ? '[0-9]' : `[0-9]{${rest}}`}` : '';
  const options: string[] = [];
  let from = Number(low[0]);
  let to = Number(high[0]);
  if (!/^0*$/.test(low.slice(1))) {
    options.push(`${literal(low[0]!)} ${group(sameLength(low.slice(1), '9'.repeat(rest)))}`);
    from++;
  }
  let last: string | undefined;
  if (!/^9*$/.test(high.slice(1))) {
    last = `${literal(high[0]!)} ${group(sameLength('0'.repeat(rest), high.slice(1)))}`;
    to--;
  }
  if (from <= to) options.push(`${from === to ? literal(String(from)) : `[${from}-${to}]`}${tail}`);
  if (last) options.push(last);
  return options;
}

interface Bound {
  value: number;
  exclusive: boolean;
}

/** The tighter of minimum/exclusiveMinimum and of maximum/exclusiveMaximum (draft-04 booleans too). */
function bounds(schema: Schema, at: string): { low?: Bound; high?: Bound } {
  const read = (key: string): number | undefined => {
    const value = schema[key];
    if (value === undefined || typeof value === 'boolean') return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw invalid(`${at}.${key}`, `${key} must be a number`);
    return value;
  };
  const pick = (
    inclusive: number | undefined,
    exclusive: number | undefined,
    flag: unknown,
    lower: boolean,
  ) => {
    const candidates: Bound[] = [];
    if (inclusive !== undefined) candidates.push({ value: inclusive, exclusive: flag === true });
    if (exclusive !== undefined) candidates.push({ value: exclusive, exclusive: true });
    if (candidates.length === 0) return undefined;
    return candidates.reduce((best, next) => {
      if (next.value === best.value) return next.exclusive ? next : best;
      return lower === next.value > best.value ? next : best;
    });
  };
  return {
    low: pick(read('minimum'), read('exclusiveMinimum'), schema.exclusiveMinimum, true),
    high: pick(read('maximum'), read('exclusiveMaximum'), schema.exclusiveMaximum, false),
  };
}

/**
 * For non-negative numbers under `high`: the largest whole part that takes any fraction (`full`), and a larger
 * whole number allowed only without a fraction (`exact`).
 */
function upperWholeParts(high: Bound | undefined): { full: number; exact?: number } {
  if (high === undefined) return { full: DEFAULT_BOUND };
  const full = Math.min(Math.floor(high.value) - 1, DEFAULT_BOUND);
  const exact = high.exclusive ? Math.ceil(high.value) - 1 : Math.floor(high.value);
  return { full, exact: Math.min(exact, DEFAULT_BOUND) };
}

function count(schema: Schema, key: string, at: string): number | undefined {
  const value = schema[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw invalid(`${at}.${key}`, `${key} must be a non-negative integer`);
  return value;
}

function resolvePointer(document: unknown, ref: string): unknown {
  let node = document;
  const parts = ref === '#' ? [] : ref.slice(2).split('/');
  for (const part of parts) {
    const key = decodeURIComponent(part).replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) node = node[Number(key)];
    else if (isObject(node)) node = Object.hasOwn(node, key) ? node[key] : undefined;
    else return undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** `a` and `b` together: `b` wins, except that `properties` and `required` are joined. */
function merge(a: Schema, b: Schema): Schema {
  const merged: Schema = { ...a, ...b };
  if (isObject(a.properties) && isObject(b.properties))
    merged.properties = { ...a.properties, ...b.properties };
  if (Array.isArray(a.required) && Array.isArray(b.required))
    merged.required = [...new Set([...a.required, ...b.required])];
  return merged;
}

function isOfType(value: unknown, type: string): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      return false;
  }
}

function isObject(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}

function group(options: string[]): string {
  return options.length === 1 ? options[0]! : `(${options.join(' | ')})`;
}

const LITERAL_ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '"': '\\"',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** A GBNF string literal. */
function literal(text: string): string {
  let escaped = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    escaped +=
      LITERAL_ESCAPES[char] ??
      (code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : char);
  }
  return `"${escaped}"`;
}

function invalid(at: string, message: string): LocalModelRequestError {
  return new LocalModelRequestError({
    reason: 'invalid-field',
    field: 'format',
    message: `${at}: ${message}`,
  });
}

function unsupported(at: string, message: string): LocalModelRequestError {
  return new LocalModelRequestError({ reason: 'unsupported', field: 'format', message: `${at}: ${message}` });
}

/** True for a schema every string satisfies: `true`, `{}` or `{ type: "string" }`, annotations aside. */
function isAnyStringSchema(schema: unknown): boolean {
  if (schema === true) return true;
  if (!isObject(schema)) return false;
  return Object.entries(schema).every(
    ([key, value]) => ANNOTATIONS.has(key) || (key === 'type' && value === 'string'),
  );
}
