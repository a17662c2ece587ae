import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readEnabledState, writeEnabledFlag } from './enabled-state';
import { hubPaths, moduleDir } from './hub-paths';
import { tempDir } from './hub-test-helpers';

let home: ReturnType<typeof tempDir>;
beforeEach(() => {
  home = tempDir();
});
afterEach(() => {
  home.cleanup();
});

describe('enabled.json', () => {
  it('is {} when absent, and keeps flags sorted when written', async () => {
    expect(await readEnabledState(home.dir)).toEqual({});
    await writeEnabledFlag(home.dir, 'notes', false);
    await writeEnabledFlag(home.dir, 'crm', true);
    expect(readFileSync(hubPaths(home.dir).enabledState, 'utf8')).toBe(
      '{\n  "crm": true,\n  "notes": false\n}\n',
    );
    await writeEnabledFlag(home.dir, 'notes', undefined);
    expect(await readEnabledState(home.dir)).toEqual({ crm: true });
  });

  it('ignores entries that are not name: boolean, and refuses a file that is not a JSON object', async () => {
    const file = hubPaths(home.dir).enabledState;
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ crm: true, notes: 'yes', '../x': true }));
    expect(await readEnabledState(home.dir)).toEqual({ crm: true });
    writeFileSync(file, '[true]');
    await expect(readEnabledState(home.dir)).rejects.toThrow(/must hold a JSON object/);
    writeFileSync(file, '{ broken');
    await expect(readEnabledState(home.dir)).rejects.toMatchObject({ code: 'HUB_INSTALL_FAILED' });
  });

  it('refuses escaping names', async () => {
    await expect(writeEnabledFlag(home.dir, '../evil', true)).rejects.toMatchObject({
      code: 'HUB_INVALID_NAME',
    });
    expect(() => moduleDir(home.dir, '../evil')).toThrow(/invalid module name/);
    expect(moduleDir(home.dir, 'crm')).toBe(path.join(home.dir, 'modules', 'crm'));
  });
});
