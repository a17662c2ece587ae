import { getLlama, type Llama, type LlamaGrammar } from 'node-llama-cpp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { LocalModelRequestError } from './errors';
import { compileJsonSchemaGrammar, GRAMMAR_END_MARKER, MAX_GRAMMAR_REPETITION } from './json-schema-grammar';

// The grammars are checked by llama.cpp's own grammar engine: `_testText` (node-llama-cpp, internal) says
// whether a text is a complete match. A grammar that llama.cpp cannot parse makes createGrammar throw.
describe('compileJsonSchemaGrammar', () => {
  let llama: Llama;

  beforeAll(async () => {
    llama = await getLlama({
      gpu: false,
      build: 'never',
      usePrebuiltBinaries: true,
      skipDownload: true,
      progressLogs: false,
      maxThreads: 1,
    });
  });

  afterAll(async () => {
    await llama?.dispose();
  });

  const grammarFor = (schema: unknown) =>
    llama.createGrammar({ grammar: compileJsonSchemaGrammar(schema).gbnf });
  const accepts = (grammar: LlamaGrammar, text: string) =>
    (grammar as unknown as { _testText(text: string): boolean })._testText(text + GRAMMAR_END_MARKER);
  /** The texts among `texts` that the schema's grammar accepts. */
  const accepted = async (schema: unknown, texts: string[]) => {
    const grammar = await grammarFor(schema);
    return texts.filter((text) => accepts(grammar, text));
  };

  it('relaxes string and array bounds past MAX_GRAMMAR_REPETITION instead of failing llama.cpp', async () => {
    const long = 'x'.repeat(MAX_GRAMMAR_REPETITION + 10);
    // maxLength 2000 is zod's common `.max(2000)`; spelled out, llama.cpp refuses the grammar.
    expect(
      await accepted({ type: 'string', minLength: 1, maxLength: 2000 }, ['""', '"a"', `"${long}"`]),
    ).toEqual(['"a"', `"${long}"`]);
    expect(await accepted({ type: 'string', maxLength: 10 }, ['"0123456789"', '"0123456789a"'])).toEqual([
      '"0123456789"',
    ]);
    const items = (count: number) => `[${Array.from({ length: count }, () => '1').join(', ')}]`;
    expect(
      await accepted({ type: 'array', items: { type: 'integer', minimum: 0, maximum: 9 }, maxItems: 5000 }, [
        items(0),
        items(300),
      ]),
    ).toEqual([items(0), items(300)]);
  });

  it('matches exactly the integers within minimum/maximum, exclusive bounds included', async () => {
    const cases: Array<[Record<string, unknown>, number, number]> = [
      [{ minimum: 1, maximum: 100_000 }, 1, 100_000],
      [{ minimum: -37, maximum: 512 }, -37, 512],
      [{ exclusiveMinimum: 0, maximum: 9_007_199_254_740_991 }, 1, 9_007_199_254_740_991],
      [
        { minimum: -9_007_199_254_740_991, maximum: 9_007_199_254_740_991 },
        -9_007_199_254_740_991,
        9_007_199_254_740_991,
      ],
      [{ exclusiveMinimum: -3.5, exclusiveMaximum: 20 }, -3, 19],
      [{ minimum: 0.5, maximum: 7.9 }, 1, 7],
      [{ minimum: 5, exclusiveMinimum: 5, maximum: 1999 }, 6, 1999],
      [{ minimum: 10, exclusiveMinimum: true, maximum: 10_000, exclusiveMaximum: true }, 11, 9999],
    ];
    for (const [bounds, low, high] of cases) {
      const grammar = await grammarFor({ type: 'integer', ...bounds });
      const probes = new Set<number>();
      for (const edge of [low, high, 0, 1, -1, 9, 10, 99, 100, 999, 1000, 9999, 10_000, 99_999, 100_000]) {
        for (let delta = -2; delta <= 2; delta++) probes.add(edge + delta);
      }
      for (let index = 0; index < 200; index++) {
        // Deterministic spread over the range and beyond it.
        const span = Math.min(high - low, 1e12);
        probes.add(Math.round(low - 50 + ((index * 7919) % 1000) * ((span + 100) / 1000)));
      }
      for (const value of probes) {
        if (!Number.isSafeInteger(value)) continue;
        expect(accepts(grammar, String(value)), `${JSON.stringify(bounds)} ${value}`).toBe(
          value >= low && value <= high,
        );
      }
      // Never leading zeros, "-0", exponents or fractions.
      for (const text of ['01', '-0', '1e3', '1E3', '5.0', '+1']) {
        expect(accepts(grammar, text), `${JSON.stringify(bounds)} ${text}`).toBe(false);
      }
    }
  });

  it('keeps integers without bounds to 15 digits and numbers free of exponents', async () => {
    expect(
      await accepted({ type: 'integer' }, [
        '0',
        '-5',
        '999999999999999',
        '-999999999999999',
        '1000000000000000',
      ]),
    ).toEqual(['0', '-5', '999999999999999', '-999999999999999']);
    expect(
      await accepted({ type: 'number' }, ['0', '-0.25', '3.14159', '12', '1e5', '86E-25', '.5', '5.']),
    ).toEqual(['0', '-0.25', '3.14159', '12']);
  });

  it('keeps numbers within their bounds by the whole part (a subset), and falls back to the midpoint', async () => {
    expect(
      await accepted({ type: 'number', minimum: 0, maximum: 1 }, [
        '0',
        '0.5',
        '0.999',
        '1',
        '1.5',
        '-0.1',
        '2',
      ]),
    ).toEqual(['0', '0.5', '0.999', '1']);
    expect(await accepted({ type: 'number', exclusiveMinimum: 0 }, ['0', '0.0', '1', '2.5', '-1'])).toEqual([
      '1',
      '2.5',
    ]);
    expect(
      await accepted({ type: 'number', minimum: -2.5, maximum: -1 }, ['-1', '-1.7', '-2', '-2.4', '-3', '0']),
    ).toEqual(['-1', '-1.7', '-2']);
    expect(await accepted({ type: 'number', minimum: 0.2, maximum: 0.8 }, ['0.5', '0.3', '1'])).toEqual([
      '0.5',
    ]);
  });

  it('generates required properties always and optional ones as any subset, in listed order', async () => {
    const schema = {
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'boolean' }, c: { type: 'null' } },
      required: ['b'],
    };
    expect(
      await accepted(schema, [
        '{"b":true}',
        '{"a":"x", "b":false}',
        '{"a":"x","b":true,"c":null}',
        '{"b":true,"c":null}',
        '{}',
        '{"a":"x"}',
        '{"b":true,"d":1}',
        '{"b":true,"b":true}',
      ]),
    ).toEqual(['{"b":true}', '{"a":"x", "b":false}', '{"a":"x","b":true,"c":null}', '{"b":true,"c":null}']);
    // Listed order is kept: a key never comes before one listed ahead of it.
    expect(await accepted(schema, ['{"b":true,"a":"x"}', '{"c":null,"b":true}'])).toEqual([]);
    const optional = { type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer' } } };
    expect(
      await accepted(optional, ['{}', '{"a":1}', '{"b":2}', '{"a":1,"b":2}', '{"a":1,"a":1}', '{"c":3}']),
    ).toEqual(['{}', '{"a":1}', '{"b":2}', '{"a":1,"b":2}']);
  });

  it('never adds keys to an object that lists properties; one that lists none takes any keys', async () => {
    for (const additionalProperties of [false, true, { type: 'string' }, undefined]) {
      const schema = {
        type: 'object',
        properties: { a: { type: 'integer' } },
        required: ['a'],
        additionalProperties,
      };
      expect(await accepted(schema, ['{"a":1}', '{"a":1,"b":"x"}'])).toEqual(['{"a":1}']);
    }
    expect(
      await accepted({ type: 'object', additionalProperties: { type: 'integer' } }, [
        '{}',
        '{"x":1, "y":-2}',
        '{"x":"a"}',
      ]),
    ).toEqual(['{}', '{"x":1, "y":-2}']);
    expect(await accepted({ type: 'object' }, ['{}', '{"x":[1,{"y":null}],"z":"w"}', '[]', '"x"'])).toEqual([
      '{}',
      '{"x":[1,{"y":null}],"z":"w"}',
    ]);
    expect(await accepted({ type: 'object', additionalProperties: false }, ['{}', '{"x":1}'])).toEqual([
      '{}',
    ]);
    expect(
      await accepted({ type: 'object', properties: { a: { type: 'integer' }, gone: false } }, [
        '{"a":1}',
        '{"a":1,"gone":1}',
      ]),
    ).toEqual(['{"a":1}']);
    // A required key that properties does not describe takes the additionalProperties schema.
    expect(
      await accepted({ type: 'object', required: ['id'], additionalProperties: { type: 'integer' } }, [
        '{}',
        '{"id":1}',
        '{"id":1,"x":2}',
        '{"id":"a"}',
      ]),
    ).toEqual(['{"id":1}', '{"id":1,"x":2}']);
  });

  it('enforces string lengths, item counts, tuples, enums, consts and the date/time/uuid formats', async () => {
    expect(
      await accepted({ type: 'string', minLength: 2, maxLength: 3 }, ['"a"', '"ab"', '"a\\"c"', '"abcd"']),
    ).toEqual(['"ab"', '"a\\"c"']);
    expect(
      await accepted({ type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2 }, [
        '[]',
        '["a"]',
        '["a", "b"]',
        '["a","b","c"]',
        '[1]',
      ]),
    ).toEqual(['["a"]', '["a", "b"]']);
    expect(
      await accepted(
        { type: 'array', prefixItems: [{ type: 'string' }, { type: 'integer' }], items: false },
        ['["a",1]', '["a"]', '["a",1,2]', '[1,"a"]'],
      ),
    ).toEqual(['["a",1]']);
    expect(
      await accepted({ enum: ['red', 2, null, { x: [true] }] }, [
        '"red"',
        '2',
        'null',
        '{"x":[true]}',
        '"blue"',
      ]),
    ).toEqual(['"red"', '2', 'null', '{"x":[true]}']);
    // enum values that break `type` are left out; nullable adds null.
    expect(await accepted({ type: 'string', enum: ['a', 1], nullable: true }, ['"a"', '1', 'null'])).toEqual([
      '"a"',
      'null',
    ]);
    expect(await accepted({ const: 'summarize' }, ['"summarize"', '"summarise"'])).toEqual(['"summarize"']);
    // Literals and keys that need escaping, in JSON and in GBNF.
    expect(
      await accepted({ enum: ['a"b', 'c\\d', 'e\nf', 'é✓'] }, [
        '"a\\"b"',
        '"c\\\\d"',
        '"e\\nf"',
        '"é✓"',
        '"ab"',
      ]),
    ).toEqual(['"a\\"b"', '"c\\\\d"', '"e\\nf"', '"é✓"']);
    expect(
      await accepted(
        { type: 'object', properties: { 'we"ird\\': { type: 'integer' } }, required: ['we"ird\\'] },
        ['{"we\\"ird\\\\":1}', '{"we\\"ird":1}'],
      ),
    ).toEqual(['{"we\\"ird\\\\":1}']);
    expect(
      await accepted({ type: 'string', format: 'date' }, [
        '"2024-02-28"',
        '"2024-02-30"',
        '"2024-13-01"',
        '"x"',
      ]),
    ).toEqual(['"2024-02-28"']);
    expect(
      await accepted({ type: 'string', format: 'date-time' }, [
        '"2024-06-30T23:59:59Z"',
        '"2024-06-31T00:00:00Z"',
      ]),
    ).toEqual(['"2024-06-30T23:59:59Z"']);
    expect(
      await accepted({ type: 'string', format: 'uuid' }, ['"123e4567-e89b-12d3-a456-426614174000"', '"123"']),
    ).toEqual(['"123e4567-e89b-12d3-a456-426614174000"']);
  });

  it('maps anyOf/oneOf, nullable, type lists, allOf of one schema and $refs', async () => {
    expect(await accepted({ anyOf: [{ type: 'string' }, { type: 'null' }] }, ['"x"', 'null', '1'])).toEqual([
      '"x"',
      'null',
    ]);
    expect(await accepted({ type: 'integer', nullable: true }, ['1', 'null', '"1"'])).toEqual(['1', 'null']);
    expect(await accepted({ type: ['boolean', 'null'] }, ['true', 'null', '0'])).toEqual(['true', 'null']);
    expect(
      await accepted({ allOf: [{ $ref: '#/$defs/Item' }], $defs: { Item: { type: 'boolean' } } }, [
        'true',
        '1',
      ]),
    ).toEqual(['true']);
    const schema = {
      type: 'object',
      properties: {
        a: { $ref: '#/definitions/Item' },
        b: { $ref: '#/$defs/Other' },
        c: { $ref: '#/properties/a' },
      },
      required: ['a', 'b', 'c'],
      definitions: { Item: { type: 'boolean' } },
      $defs: { Other: { oneOf: [{ const: 1 }, { const: 'one' }] } },
    };
    expect(
      await accepted(schema, [
        '{"a":true,"b":1,"c":false}',
        '{"a":true,"b":"one","c":true}',
        '{"a":1,"b":1,"c":true}',
      ]),
    ).toEqual(['{"a":true,"b":1,"c":false}', '{"a":true,"b":"one","c":true}']);
    // Keywords beside anyOf apply to every branch.
    expect(
      await accepted(
        {
          type: 'object',
          properties: { kind: { type: 'string' } },
          required: ['kind'],
          additionalProperties: false,
          anyOf: [{ properties: { kind: { const: 'a' } } }, { properties: { kind: { const: 'b' } } }],
        },
        ['{"kind":"a"}', '{"kind":"b"}', '{"kind":"c"}'],
      ),
    ).toEqual(['{"kind":"a"}', '{"kind":"b"}']);
  });

  it('reads an empty schema as "any JSON value"', async () => {
    expect(await accepted({}, ['{"a":[1,2.5,"x",null,true]}', '[]', '"x"', '-3', 'null', 'nope'])).toEqual([
      '{"a":[1,2.5,"x",null,true]}',
      '[]',
      '"x"',
      '-3',
      'null',
    ]);
    expect(await accepted(true, ['1'])).toEqual(['1']);
  });

  it('drops annotations silently and lists the constraints it does not enforce', () => {
    const { ignored } = compileJsonSchemaGrammar({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'answer',
      title: 'Answer',
      description: 'an answer',
      type: 'object',
      properties: {
        note: { type: 'string', maxLength: 12, pattern: '^[a-z]+$', default: 'x', examples: ['y'] },
        email: { type: 'string', format: 'email' },
        count: { type: 'integer', minimum: 0, multipleOf: 2 },
        tags: { type: 'array', items: { type: 'string' }, uniqueItems: true },
        extra: { type: 'object', properties: { a: { type: 'string' } }, minProperties: 1 },
      },
      additionalProperties: false,
      'x-vendor': true,
    });
    expect(ignored.sort()).toEqual([
      'format.properties.count.multipleOf',
      'format.properties.email.format',
      'format.properties.extra.minProperties',
      'format.properties.note.pattern',
      'format.properties.tags.uniqueItems',
      'format.x-vendor',
    ]);
  });

  it('compiles what zod 4 emits and accepts what zod accepts', async () => {
    const listFiles = z.strictObject({
      path: z.string().min(1),
      max_files: z.number().int().min(1).max(100_000).default(5000),
    });
    const summarize = z.strictObject({
      text: z.string().min(1).max(200_000),
      max_words: z.number().int().positive().default(200),
    });
    for (const [schema, good, bad] of [
      [
        listFiles,
        ['{"path":"src","max_files":5000}'],
        ['{"path":"","max_files":5}', '{"path":"a","max_files":0}'],
      ],
      [summarize, ['{"text":"hi", "max_words":1}'], ['{"text":"hi","max_words":0}', '{"text":"hi"}']],
    ] as const) {
      const json = z.toJSONSchema(schema);
      expect(json).toHaveProperty('$schema');
      expect(compileJsonSchemaGrammar(json).ignored).toEqual([]);
      const grammar = await grammarFor(json);
      for (const text of good) {
        expect(schema.safeParse(JSON.parse(text)).success).toBe(true);
        expect(accepts(grammar, text), text).toBe(true);
      }
      for (const text of bad) expect(accepts(grammar, text), text).toBe(false);
    }
  });

  it('takes the propertyNames of z.record(z.string(), ...) on an open object: every key is a string', async () => {
    const record = z.strictObject({ payload: z.record(z.string(), z.unknown()) });
    const json = z.toJSONSchema(record);
    expect(JSON.stringify(json)).toContain('"propertyNames":{"type":"string"}');
    const grammar = await grammarFor(json);
    for (const text of ['{"payload":{}}', '{"payload":{"a":1,"b":"x"}}']) {
      expect(record.safeParse(JSON.parse(text)).success).toBe(true);
      expect(accepts(grammar, text), text).toBe(true);
    }
    expect(accepts(grammar, '{"payload":[]}')).toBe(false);
  });

  it('rejects what it cannot honour with a 400-class error naming the keyword', () => {
    const cases: Array<[unknown, RegExp]> = [
      ['json5', /expected a JSON schema object/],
      [42, /expected a JSON schema object/],
      [[], /expected a JSON schema object/],
      [false, /accepts no value/],
      [{ allOf: [{ type: 'string' }, { type: 'number' }] }, /"allOf"/],
      [{ type: 'date' }, /unknown type "date"/],
      [{ not: { type: 'string' } }, /"not"/],
      // biome-ignore lint/suspicious/noThenProperty: a JSON schema's if/then, not a thenable
      [{ if: { type: 'string' }, then: { minLength: 1 } }, /"if"/],
      [{ type: 'array', contains: { type: 'string' } }, /"contains"/],
      [{ type: 'object', dependentRequired: { a: ['b'] } }, /"dependentRequired"/],
      [{ type: 'object', patternProperties: { '^x': { type: 'string' } } }, /"patternProperties"/],
      [{ type: 'object', propertyNames: { type: 'string', minLength: 2 } }, /"propertyNames"/],
      [{ type: 'object', propertyNames: { pattern: '^x' } }, /"propertyNames"/],
      [{ $ref: '#', type: 'object' }, /"\$ref" cycle/],
      [
        {
          type: 'object',
          properties: { next: { $ref: '#/$defs/Node' } },
          $defs: { Node: { type: 'object', properties: { next: { $ref: '#/$defs/Node' } } } },
        },
        /"\$ref" cycle through "#\/\$defs\/Node"/,
      ],
      [{ $ref: 'https://example.com/schema.json' }, /"\$ref" .* points outside the schema/],
      [{ $ref: '#/$defs/Missing' }, /points to nothing/],
      [{ type: 'string', minLength: 3, maxLength: 2 }, /maxLength 2 is below minLength 3/],
      [{ type: 'integer', minimum: 1.2, maximum: 1.8 }, /no integer lies between/],
      [{ type: 'array', minItems: -1 }, /minItems must be a non-negative integer/],
      [{ anyOf: [] }, /anyOf must be a non-empty array/],
      [{ type: 'string', enum: [1, 2] }, /no enum value is of type/],
      [{ type: 'object', properties: { gone: false }, required: ['gone'] }, /accepts no value/],
    ];
    for (const [bad, message] of cases) {
      let caught: unknown;
      try {
        compileJsonSchemaGrammar(bad);
      } catch (error) {
        caught = error;
      }
      expect(LocalModelRequestError.isInstance(caught), JSON.stringify(bad)).toBe(true);
      expect((caught as LocalModelRequestError).field).toBe('format');
      expect((caught as LocalModelRequestError).message, JSON.stringify(bad)).toMatch(message);
    }
  });
});
