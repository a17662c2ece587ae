import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTempHome, type TempHome } from '@biged/core/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SkillLoadError } from './errors/skill-load-error';
import { loadSkillsFromDirectory, loadSkillsFromPackage } from './load-skills';
import { runSkill } from './run-skill';

// Skill files written the way a third party could without importing the SDK: the contract is a shape.
const skillSource = (name: string) => `
export const ${name} = {
  specificationVersion: 'v1', name: '${name}', description: 'test',
  payload: { safeParse: (data) => ({ success: true, data }) },
  requiresNetwork: false, timeoutMs: 1000, roles: [],
  run: (input) => ({ from: '${name}', input }),
};
`;

let home: TempHome;
beforeEach(() => {
  home = createTempHome();
});
afterEach(() => home.cleanup());

const write = (relative: string, text: string) => {
  const file = path.join(home.home, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
};

describe('loadSkillsFromDirectory', () => {
  it('collects default and named skill exports of .js/.mjs files, each once, skipping helpers', async () => {
    write('skills/b_skill.mjs', `${skillSource('bravo')}\nexport default bravo;\nexport const other = 42;`);
    write('skills/a_skill.js', `${skillSource('alpha')}\n${skillSource('alpha_two')}`);
    write('skills/_helper.mjs', `throw new Error('helpers are not loaded');`);
    write('skills/readme.md', '# not code');
    const skills = await loadSkillsFromDirectory(path.join(home.home, 'skills'));
    expect(skills.map(({ name }) => name)).toEqual(['alpha', 'alpha_two', 'bravo']);
    const run = await runSkill(skills[2]!, { x: 1 });
    expect(run.result).toEqual({ from: 'bravo', input: { x: 1 } });
  });

  it('wraps an import failure in SkillLoadError naming the file', async () => {
    const file = write('broken/bad.mjs', `throw new Error('boom at import');`);
    const error = await loadSkillsFromDirectory(path.join(home.home, 'broken')).catch(
      (caught: unknown) => caught,
    );
    expect(SkillLoadError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SKILL_LOAD_FAILED', file });
    expect((error as Error).message).toContain('boom at import');
    expect(((error as Error).cause as Error).message).toBe('boom at import');
  });

  it('fails clearly on a missing directory and on a skill of another spec version', async () => {
    await expect(loadSkillsFromDirectory(path.join(home.home, 'nope'))).rejects.toMatchObject({
      code: 'SKILL_LOAD_FAILED',
    });
    write('future/f.mjs', `export default { specificationVersion: 'v2', name: 'future', run() {} };`);
    await expect(loadSkillsFromDirectory(path.join(home.home, 'future'))).rejects.toThrow(
      'uses specification v2; this @biged/skill-sdk supports v1',
    );
  });
});

describe('loadSkillsFromPackage', () => {
  it('resolves an ESM-only package from a directory through its exports map', async () => {
    write(
      'node_modules/@acme/skills/package.json',
      JSON.stringify({
        name: '@acme/skills',
        type: 'module',
        exports: { '.': { types: './x.d.ts', import: './dist/index.js' } },
      }),
    );
    write(
      'node_modules/@acme/skills/dist/index.js',
      `${skillSource('acme_one')}\n${skillSource('acme_two')}\nexport const all = [acme_one, acme_two];`,
    );
    const skills = await loadSkillsFromPackage('@acme/skills', { from: path.join(home.home, 'sub') });
    expect(skills.map(({ name }) => name)).toEqual(['acme_one', 'acme_two']);
  });

  it('falls back to main and reports missing or skill-less packages', async () => {
    write('node_modules/plain/package.json', JSON.stringify({ name: 'plain', main: 'main.mjs' }));
    write('node_modules/plain/main.mjs', 'export const nothing = 1;');
    await expect(loadSkillsFromPackage('plain', { from: home.home })).rejects.toThrow(
      'package "plain" exports no skills',
    );
    const error = await loadSkillsFromPackage('not-installed', { from: home.home }).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ code: 'SKILL_LOAD_FAILED', packageName: 'not-installed' });
  });
});
