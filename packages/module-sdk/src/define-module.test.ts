import { BigedError } from '@biged/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type DefineModuleOptions, defineModule, isModule, normaliseRecordCheck } from './define-module';
import { ModuleDefinitionError } from './errors';

const base = { name: 'crm', label: 'CRM', version: '1.0.0' } as const;

/** Defines a module expecting a refusal; returns the error. */
function refusal(options: Record<string, unknown>): ModuleDefinitionError {
  try {
    defineModule(options as unknown as DefineModuleOptions);
  } catch (error) {
    expect(ModuleDefinitionError.isInstance(error)).toBe(true);
    expect(BigedError.isInstance(error)).toBe(true);
    return error as ModuleDefinitionError;
  }
  throw new Error('defineModule accepted an invalid definition');
}

describe('defineModule', () => {
  it('fills in the defaults and freezes the module', async () => {
    const module = defineModule(base);
    expect(module).toMatchObject({
      specificationVersion: 'v1',
      name: 'crm',
      label: 'CRM',
      version: '1.0.0',
      defaultEnabled: false,
      dependsOn: [],
      dataSchema: null,
      settings: undefined,
    });
    expect(Object.isFrozen(module)).toBe(true);
    expect(isModule(module)).toBe(true);
    expect(module.validateRecord({})).toEqual({ valid: true });
    const context = { data: undefined } as unknown as Parameters<typeof module.render>[0];
    expect(await module.render(context)).toEqual(['CRM', 'no data']);
    expect(await module.exportData(context)).toEqual([]);
    await expect(module.refresh(context)).toBeUndefined();
  });

  it('normalises the DATA_SCHEMA (required false, retentionDays null)', () => {
    const module = defineModule({
      ...base,
      dataSchema: {
        table: 'crm_contacts',
        fields: {
          name: { type: 'text', required: true, maxLength: 80 },
          status: { type: 'text', enum: ['active', 'inactive'] },
          score: { type: 'integer', enum: [1, 2, 3] },
        },
      },
    });
    expect(module.dataSchema).toEqual({
      table: 'crm_contacts',
      fields: {
        name: { type: 'text', required: true, maxLength: 80 },
        status: { type: 'text', required: false, enum: ['active', 'inactive'] },
        score: { type: 'integer', required: false, enum: [1, 2, 3] },
      },
      retentionDays: null,
    });
    expect(Object.isFrozen(module.dataSchema?.fields)).toBe(true);
  });

  it.each([
    [{ name: 'Bad Name' }, 'name', /invalid module name "Bad Name"/],
    [{ name: '../evil' }, 'name', /invalid module name/],
    [{ name: `a${'b'.repeat(64)}` }, 'name', /1-64/],
    [{ name: 42 }, 'name', /invalid module name 42/],
    [{ label: '' }, 'label', /label must be a non-empty string/],
    [{ version: 'v1' }, 'version', /invalid version "v1"/],
    [{ version: '1.0.0+build' }, 'version', /invalid version/],
    [{ defaultEnabled: 'yes' }, 'defaultEnabled', /true or false/],
    [{ dependsOn: 'core' }, 'dependsOn', /must be an array/],
    [{ dependsOn: ['crm'] }, 'dependsOn', /cannot depend on itself/],
    [{ dependsOn: ['a', 'a'] }, 'dependsOn', /lists a module twice/],
    [{ dependsOn: ['A'] }, 'dependsOn', /invalid module name "A"/],
    [{ dataSchema: 'x' }, 'dataSchema', /dataSchema must be an object/],
    [
      { dataSchema: { table: 'bad-table', fields: { a: { type: 'text' } } } },
      'dataSchema.table',
      /invalid table name/,
    ],
    [{ dataSchema: { table: 'sqlite_x', fields: { a: { type: 'text' } } } }, 'dataSchema.table', /reserved/],
    [{ dataSchema: { table: 't', fields: {} } }, 'dataSchema.fields', /at least one field/],
    [{ dataSchema: { table: 't', fields: { id: { type: 'text' } } } }, 'dataSchema.fields.id', /reserved/],
    [
      { dataSchema: { table: 't', fields: { Name: { type: 'text' } } } },
      'dataSchema.fields.Name',
      /invalid field name/,
    ],
    [
      { dataSchema: { table: 't', fields: { a: { type: 'blob' } } } },
      'dataSchema.fields.a.type',
      /unknown type "blob"/,
    ],
    [{ dataSchema: { table: 't', fields: { a: 'text' } } }, 'dataSchema.fields.a', /must be an object/],
    [
      { dataSchema: { table: 't', fields: { a: { type: 'real', enum: [1] } } } },
      'dataSchema.fields.a.enum',
      /text and integer fields only/,
    ],
    [
      { dataSchema: { table: 't', fields: { a: { type: 'text', enum: [] } } } },
      'dataSchema.fields.a.enum',
      /non-empty/,
    ],
    [
      { dataSchema: { table: 't', fields: { a: { type: 'text', enum: [1] } } } },
      'dataSchema.fields.a.enum',
      /not a string/,
    ],
    [
      { dataSchema: { table: 't', fields: { a: { type: 'integer', enum: [1.5] } } } },
      'dataSchema.fields.a.enum',
      /not an integer/,
    ],
    [
      { dataSchema: { table: 't', fields: { a: { type: 'text', enum: ['x', 'x'] } } } },
      'dataSchema.fields.a.enum',
      /twice/,
    ],
    [
      { dataSchema: { table: 't', fields: { a: { type: 'text', required: 1 } } } },
      'dataSchema.fields.a.required',
      /true or false/,
    ],
    [
      { dataSchema: { table: 't', fields: { a: { type: 'integer', maxLength: 3 } } } },
      'dataSchema.fields.a.maxLength',
      /text fields only/,
    ],
    [
      { dataSchema: { table: 't', fields: { a: { type: 'text', maxLength: 0 } } } },
      'dataSchema.fields.a.maxLength',
      />= 1/,
    ],
    [
      { dataSchema: { table: 't', fields: { a: { type: 'text' } }, retentionDays: -1 } },
      'dataSchema.retentionDays',
      /positive number of days/,
    ],
    [{ settings: { schema: {} } }, 'settings.schema', /zod schema/],
    [{ settings: { schema: z.object({}), apply: 1 } }, 'settings.apply', /must be a function/],
    [{ render: 'lines' }, 'render', /render must be a function/],
    [{ validateRecord: true }, 'validateRecord', /must be a function/],
  ])('refuses %j at %s', (override, field, message) => {
    const error = refusal({ ...base, ...override });
    expect(error.code).toBe('MODULE_INVALID_DEFINITION');
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it('refuses a non-object definition', () => {
    expect(refusal(undefined as unknown as Record<string, unknown>).message).toMatch(/needs an object/);
  });

  it('normalises what validateRecord hooks return', () => {
    expect(normaliseRecordCheck(true)).toEqual({ valid: true });
    expect(normaliseRecordCheck([])).toEqual({ valid: true });
    expect(normaliseRecordCheck('too old')).toEqual({ valid: false, errors: ['too old'] });
    expect(normaliseRecordCheck(['a', 'b'])).toEqual({ valid: false, errors: ['a', 'b'] });
    expect(normaliseRecordCheck({ valid: false, errors: [] })).toEqual({ valid: false, errors: ['refused'] });
    expect(normaliseRecordCheck(false)).toMatchObject({ valid: false });
    expect(normaliseRecordCheck(undefined)).toMatchObject({ valid: false });
  });
});

describe('isModule', () => {
  it('recognises modules by shape, not by instanceof', () => {
    const module = defineModule(base);
    expect(isModule({ ...module })).toBe(true);
    expect(isModule({ ...module, specificationVersion: 'v2' })).toBe(false);
    expect(isModule({ ...module, render: undefined })).toBe(false);
    expect(isModule(null)).toBe(false);
    expect(isModule('crm')).toBe(false);
  });
});
