import { describe, expect, it } from 'vitest';
import { LocalModelRequestError } from './errors';
import { toGrammarSchema } from './json-schema-grammar';

describe('toGrammarSchema', () => {
  it('keeps what a grammar enforces and drops the rest', () => {
    expect(
      toGrammarSchema({
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        title: 'Answer',
        type: 'object',
        properties: {
          answer: { type: 'string', enum: ['yes', 'no'] },
          note: { type: 'string', maxLength: 12, pattern: '^[a-z]+$' },
          when: { type: 'string', format: 'date' },
          email: { type: 'string', format: 'email' },
          count: { type: 'integer', minimum: 0 },
          tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
        },
        required: ['answer'],
        additionalProperties: false,
      }),
    ).toEqual({
      type: 'object',
      properties: {
        answer: { enum: ['yes', 'no'] },
        note: { type: 'string', maxLength: 12 },
        when: { type: 'string', format: 'date' },
        email: { type: 'string' },
        count: { type: 'integer' },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 3 },
      },
      additionalProperties: false,
    });
  });

  it('maps anyOf, nullable, type lists and definitions to the grammar dialect', () => {
    expect(toGrammarSchema({ anyOf: [{ type: 'string' }, { type: 'null' }] })).toEqual({
      oneOf: [{ type: 'string' }, { type: 'null' }],
    });
    expect(toGrammarSchema({ type: 'integer', nullable: true })).toEqual({
      oneOf: [{ type: 'integer' }, { type: 'null' }],
    });
    expect(toGrammarSchema({ type: ['object', 'null'] })).toEqual({
      oneOf: [{ type: 'object', additionalProperties: true }, { type: 'null' }],
    });
    expect(
      toGrammarSchema({
        type: 'object',
        properties: { item: { $ref: '#/definitions/Item' } },
        definitions: { Item: { type: 'boolean' } },
      }),
    ).toEqual({
      type: 'object',
      properties: { item: { $ref: '#/$defs/Item' } },
      additionalProperties: false,
      $defs: { Item: { type: 'boolean' } },
    });
  });

  it('reads an empty schema and a bare object as "any JSON"', () => {
    const any = toGrammarSchema({});
    expect(any).toHaveProperty('oneOf');
    expect(toGrammarSchema({ type: 'object' })).toEqual({ type: 'object', additionalProperties: true });
  });

  it('rejects what it cannot express', () => {
    for (const bad of [
      'json5',
      42,
      [],
      { allOf: [{ type: 'string' }, { type: 'number' }] },
      { type: 'date' },
    ]) {
      let caught: unknown;
      try {
        toGrammarSchema(bad);
      } catch (error) {
        caught = error;
      }
      expect(LocalModelRequestError.isInstance(caught), JSON.stringify(bad)).toBe(true);
      expect((caught as LocalModelRequestError).field).toBe('format');
    }
  });
});
