import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineModule } from './define-module';
import { ModuleSettingsError } from './errors';
import { resolveModuleSettings } from './module-settings';
import { normaliseModuleView } from './module-view';

const module = { name: 'crm', label: 'CRM' };

describe('normaliseModuleView', () => {
  it('turns lines into a view titled with the label', () => {
    expect(normaliseModuleView(module, ['a', 2])).toEqual({ title: 'CRM', lines: ['a', '2'] });
  });

  it('keeps a view, padding rows to the columns and flattening odd cells', () => {
    expect(
      normaliseModuleView(module, {
        title: 'Contacts',
        lines: ['two contacts'],
        table: {
          columns: ['name', 'since'],
          rows: [['Ada', new Date(0).getTime(), 'extra'], ['Bob'], 'odd'],
        },
        footer: 'page 1',
      }),
    ).toEqual({
      title: 'Contacts',
      lines: ['two contacts'],
      table: {
        columns: ['name', 'since'],
        rows: [
          ['Ada', 0],
          ['Bob', null],
          ['odd', null],
        ],
      },
      footer: 'page 1',
    });
    expect(normaliseModuleView(module, { table: { columns: ['x'], rows: [[{ a: 1 }]] } })).toEqual({
      title: 'CRM',
      table: { columns: ['x'], rows: [['{"a":1}']] },
    });
  });

  it('shows one line instead of breaking the host on unusable output', () => {
    for (const output of [undefined, null, 42, 'text']) {
      expect(normaliseModuleView(module, output)).toEqual({
        title: 'CRM',
        lines: ['(module "crm" rendered nothing usable)'],
      });
    }
  });
});

describe('resolveModuleSettings', () => {
  const withSettings = defineModule({
    name: 'crm',
    label: 'CRM',
    version: '1',
    settings: {
      schema: z.object({ pageSize: z.number().int().min(1).default(10), owner: z.string().optional() }),
    },
  });

  it('applies the schema defaults', () => {
    expect(resolveModuleSettings(withSettings, {})).toEqual({ pageSize: 10 });
    expect(resolveModuleSettings(withSettings, undefined)).toEqual({ pageSize: 10 });
    expect(resolveModuleSettings(withSettings, { pageSize: 5, owner: 'ed' })).toEqual({
      pageSize: 5,
      owner: 'ed',
    });
  });

  it('refuses bad settings naming each key', () => {
    try {
      resolveModuleSettings(withSettings, { pageSize: 0, owner: 3 });
      expect.unreachable();
    } catch (error) {
      expect(ModuleSettingsError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'MODULE_INVALID_SETTINGS', module: 'crm' });
      expect((error as ModuleSettingsError).issues).toEqual([
        expect.stringMatching(/^pageSize: /),
        expect.stringMatching(/^owner: /),
      ]);
    }
  });

  it('gives {} to a module without settings', () => {
    expect(
      resolveModuleSettings(defineModule({ name: 'x', label: 'X', version: '1' }), { anything: 1 }),
    ).toEqual({});
  });
});
