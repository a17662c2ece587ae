import { describe, expect, it } from 'vitest';
import { defineModule } from './define-module';
import { ModuleRecordError } from './errors';
import { assertValidRecord, MAX_RECORD_BYTES, validateRecord } from './validate-record';

const module = defineModule({
  name: 'crm',
  label: 'CRM',
  version: '1.0.0',
  dataSchema: {
    table: 'crm_contacts',
    fields: {
      name: { type: 'text', required: true, maxLength: 20 },
      status: { type: 'text', enum: ['active', 'inactive'] },
      visits: { type: 'integer' },
      score: { type: 'real' },
      vip: { type: 'boolean' },
      met_at: { type: 'datetime' },
      tags: { type: 'json' },
      tier: { type: 'integer', enum: [1, 2, 3] },
    },
    retentionDays: 30,
  },
  validateRecord: (record) => (record.name === 'Mallory' ? 'Mallory is banned' : true),
});

const issuesOf = (record: unknown) => {
  const result = validateRecord(module, record);
  return result.valid ? [] : result.issues;
};

describe('validateRecord', () => {
  it('accepts a full record and fills absent optional fields with null', () => {
    const result = validateRecord(module, {
      name: 'Ada',
      status: 'active',
      visits: 3,
      score: 4.5,
      vip: true,
      met_at: '2026-11-24T10:00:00Z',
      tags: { source: ['web', 1, null] },
      tier: 2,
    });
    expect(result).toEqual({
      valid: true,
      record: {
        name: 'Ada',
        status: 'active',
        visits: 3,
        score: 4.5,
        vip: true,
        met_at: '2026-11-24T10:00:00Z',
        tags: { source: ['web', 1, null] },
        tier: 2,
      },
    });
    expect(validateRecord(module, { name: 'Bob' })).toMatchObject({
      valid: true,
      record: { name: 'Bob', status: null, visits: null, tags: null },
    });
  });

  it('turns a Date into ISO text for a datetime field', () => {
    const result = validateRecord(module, { name: 'A', met_at: new Date(Date.UTC(2026, 0, 2)) });
    expect(result).toMatchObject({ valid: true, record: { met_at: '2026-01-02T00:00:00.000Z' } });
  });

  it('reports every problem, each naming its field', () => {
    expect(
      issuesOf({
        status: 'lost',
        visits: 1.5,
        score: Number.NaN,
        vip: 'yes',
        met_at: 'yesterday',
        tags: { when: new Date() },
        tier: 4,
        extra: 1,
        id: 7,
      }),
    ).toEqual([
      {
        field: 'extra',
        message: expect.stringMatching(/^unknown field \(table crm_contacts has: name, status/),
      },
      { field: 'id', message: '"id" is set by the module store, not by the record' },
      { field: 'name', message: 'required' },
      { field: 'status', message: '"lost" is not one of "active", "inactive"' },
      { field: 'visits', message: 'expected an integer, got 1.5' },
      { field: 'score', message: 'expected a finite number, got NaN' },
      { field: 'vip', message: 'expected true or false, got "yes"' },
      { field: 'met_at', message: expect.stringMatching(/ISO 8601/) },
      { field: 'tags', message: expect.stringMatching(/expected a JSON value/) },
      { field: 'tier', message: '4 is not one of 1, 2, 3' },
    ]);
  });

  it.each([
    [{ name: null }, 'name', 'required'],
    [{ name: 7 }, 'name', 'expected text, got 7'],
    [{ name: 'x'.repeat(21) }, 'name', 'longer than 20 characters (21)'],
    [{ name: 'A', visits: 2 ** 60 }, 'visits', /expected an integer/],
    [{ name: 'A', score: Number.POSITIVE_INFINITY }, 'score', 'expected a finite number, got Infinity'],
    [{ name: 'A', met_at: '2026-13-45' }, 'met_at', /ISO 8601/],
    [{ name: 'A', met_at: new Date(Number.NaN) }, 'met_at', 'invalid Date'],
    [{ name: 'A', tags: Number.NaN }, 'tags', /JSON value/],
  ])('refuses %j (%s)', (record, field, message) => {
    const [issue, ...rest] = issuesOf(record);
    expect(rest).toEqual([]);
    expect(issue?.field).toBe(field);
    expect(issue?.message).toMatch(message);
  });

  it('refuses something that is not an object', () => {
    for (const value of [null, 'Ada', ['Ada'], 3]) {
      expect(issuesOf(value)).toEqual([{ message: expect.stringMatching(/must be an object of fields/) }]);
    }
  });

  it('refuses a record larger than MAX_RECORD_BYTES', () => {
    const big = defineModule({
      name: 'big',
      label: 'Big',
      version: '1',
      dataSchema: { table: 'big', fields: { blob: { type: 'text' } } },
    });
    const result = validateRecord(big, { blob: 'x'.repeat(MAX_RECORD_BYTES) });
    expect(result).toEqual({
      valid: false,
      issues: [{ message: expect.stringMatching(/the limit is 1048576/) }],
    });
  });

  it('runs the module hook only once the schema passes, and reports its reason', () => {
    expect(issuesOf({ name: 'Mallory' })).toEqual([{ message: 'Mallory is banned' }]);
    // The schema fails first: the hook (which would also refuse) is not consulted.
    expect(issuesOf({ name: 'Mallory', vip: 1 })).toEqual([
      { field: 'vip', message: 'expected true or false, got 1' },
    ]);
  });

  it('reports a hook that throws as a refusal', () => {
    const throwing = defineModule({
      name: 'x',
      label: 'X',
      version: '1',
      dataSchema: { table: 'x', fields: { a: { type: 'text' } } },
      validateRecord: () => {
        throw new Error('boom');
      },
    });
    expect(validateRecord(throwing, { a: 'b' })).toEqual({
      valid: false,
      issues: [{ message: 'validateRecord of module "x" threw: boom' }],
    });
  });

  it('refuses every record for a module without DATA_SCHEMA', () => {
    const plain = defineModule({ name: 'plain', label: 'Plain', version: '1' });
    expect(validateRecord(plain, {})).toEqual({
      valid: false,
      issues: [{ message: 'module "plain" has no DATA_SCHEMA and stores no records' }],
    });
  });
});

describe('assertValidRecord', () => {
  it('returns the normalised record or throws ModuleRecordError with every issue', () => {
    expect(assertValidRecord(module, { name: 'Ada' })).toMatchObject({ name: 'Ada', status: null });
    try {
      assertValidRecord(module, { status: 'lost' });
      expect.unreachable();
    } catch (error) {
      expect(ModuleRecordError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({
        code: 'MODULE_INVALID_RECORD',
        module: 'crm',
        message: 'invalid crm record: name: required; status: "lost" is not one of "active", "inactive"',
      });
    }
  });
});
