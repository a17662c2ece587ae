import { execFile } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { TempHome } from '@biged/core/test';
import { isSkill, runSkill, type Skill } from '@biged/skill-sdk';
import { builtinSkills } from '@biged/skills';
import { parse } from 'smol-toml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';
import { addSkillsDir } from './add-skills-dir';
import type { SkillJson } from './skill';

const here = path.dirname(fileURLToPath(import.meta.url));
const cliNodeModules = path.resolve(here, '../../node_modules');
const customSkills = path.resolve(here, '../__fixtures__/custom-skills');

/** Makes `dir` resolve `@biged/skill-sdk` and `vitest` the way an `npm install` there would. */
const linkNodeModules = (dir: string) => symlinkSync(cliNodeModules, path.join(dir, 'node_modules'), 'dir');

describe('biged skill list', () => {
  let home: TempHome;
  afterEach(() => home.cleanup());

  it('lists the built-ins with source "builtin" (JSON and table)', async () => {
    home = await initHome();
    const result = await runCli(['skill', 'list', '--json', '--home', home.home]);
    expect(result.code).toBe(0);
    const skills = result.json<SkillJson[]>();
    expect(skills.map(({ name }) => name)).toEqual(builtinSkills.map(({ name }) => name).sort());
    for (const skill of skills) {
      expect(skill).toEqual({
        name: expect.any(String),
        description: expect.any(String),
        roles: expect.any(Array),
        requiresNetwork: expect.any(Boolean),
        source: 'builtin',
      });
    }
    const table = await runCli(['skill', 'list', '--home', home.home]);
    expect(table.stdout.split('\n')[0]).toMatch(/^NAME +SOURCE +NET +ROLES +DESCRIPTION$/);
    expect(table.stdout).toMatch(/\nnoop +builtin +- /);
  });

  it('adds [skills] dirs (source: the folder) and packages (source: the package name)', async () => {
    home = await initHome();
    // An npm package installed in the fleet home, resolved from the home as the worker does.
    const modules = path.join(home.home, 'node_modules');
    const pkg = path.join(modules, 'acme-skills');
    mkdirSync(pkg, { recursive: true });
    symlinkSync(path.join(cliNodeModules, '@biged'), path.join(modules, '@biged'), 'dir');
    writeFileSync(
      path.join(pkg, 'package.json'),
      JSON.stringify({ name: 'acme-skills', type: 'module', exports: './index.mjs' }),
    );
    writeFileSync(
      path.join(pkg, 'index.mjs'),
      `import { defineSkill, z } from '@biged/skill-sdk';
export const fetchIt = defineSkill({ name: 'acme_fetch', description: 'Fetches.', payload: z.object({}),
  roles: ['researcher'], requiresNetwork: true, run: () => ({}) });
`,
    );
    writeFileSync(
      home.config,
      `[skills]\ndirs = [${JSON.stringify(customSkills)}]\npackages = ["acme-skills"]\n`,
    );
    const listed = await runCli(['skill', 'list', '--json', '--home', home.home]);
    expect(listed.code).toBe(0);
    const skills = listed.json<SkillJson[]>();
    expect(skills.find(({ name }) => name === 'acme_fetch')).toEqual({
      name: 'acme_fetch',
      description: 'Fetches.',
      roles: ['researcher'],
      requiresNetwork: true,
      source: 'acme-skills',
    });
    expect(skills.find(({ name }) => name === 'test_opaque')).toMatchObject({ source: customSkills });
    expect(skills.filter(({ source }) => source === 'builtin')).toHaveLength(builtinSkills.length);
    expect(skills).toHaveLength(builtinSkills.length + 2);

    writeFileSync(home.config, '[skills]\npackages = ["not-installed-skills"]\n');
    const missing = await runCli(['skill', 'list', '--json', '--home', home.home]);
    expect(missing.code).toBe(1);
    expect(missing.json()).toMatchObject({ error: { code: 'SKILL_LOAD_FAILED' } });
  });

  it('fails like the fleet when a [skills] dir is missing or a name is used twice', async () => {
    home = await initHome('[skills]\ndirs = ["nowhere"]\n');
    const missing = await runCli(['skill', 'list', '--home', home.home]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('could not read the skill directory');

    // The same folder twice is the same skills, listed once (as the fleet's registry keeps them once).
    writeFileSync(
      home.config,
      `[skills]\ndirs = [${JSON.stringify(customSkills)}, ${JSON.stringify(customSkills)}]\n`,
    );
    const twice = await runCli(['skill', 'list', '--json', '--home', home.home]);
    expect(twice.code).toBe(0);
    expect(twice.json<SkillJson[]>().filter(({ name }) => name === 'test_opaque')).toHaveLength(1);

    // Another skill called like a built-in: the fleet would refuse to start, so the listing fails.
    linkNodeModules(home.home);
    mkdirSync(path.join(home.home, 'dup'));
    writeFileSync(
      path.join(home.home, 'dup', 'noop.mjs'),
      `import { defineSkill, z } from '@biged/skill-sdk';
export default defineSkill({ name: 'noop', description: 'Shadows the built-in.', payload: z.object({}), run: () => ({}) });
`,
    );
    writeFileSync(home.config, '[skills]\ndirs = ["dup"]\n');
    const clash = await runCli(['skill', 'list', '--json', '--home', home.home]);
    expect(clash.code).toBe(1);
    expect(clash.json()).toMatchObject({ error: { code: 'SKILL_DUPLICATE_NAME' } });
  });
});

describe('biged skill new', () => {
  let home: TempHome;
  let scratch: string;
  beforeEach(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'biged-skill-new-'));
    linkNodeModules(scratch);
  });
  afterEach(() => {
    home?.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('scaffolds a skill whose own generated test passes (imported + runSkill, and vitest run)', async () => {
    home = await initHome();
    const dir = path.join(scratch, 'word_count');
    const result = await runCli(['skill', 'new', 'word_count', '--dir', dir, '--json', '--home', home.home]);
    expect(result.code).toBe(0);
    expect(result.json()).toEqual({
      name: 'word_count',
      dir,
      skill_file: path.join(dir, 'word_count.mjs'),
      test_file: path.join(dir, 'test', 'word_count.test.mjs'),
      package_file: path.join(dir, 'package.json'),
      registered: null,
    });
    // Not registered: fleet.toml is untouched.
    expect(readFileSync(home.config, 'utf8')).not.toContain('word_count');

    const namespace = (await import(pathToFileURL(path.join(dir, 'word_count.mjs')).href)) as Record<
      string,
      unknown
    >;
    const skill = namespace.default as Skill;
    expect(isSkill(skill)).toBe(true);
    expect(skill.name).toBe('word_count');
    expect((await runSkill(skill, { text: 'one two  three' })).result).toEqual({
      text: 'one two  three',
      words: 3,
    });
    await expect(runSkill(skill, { text: 5 } as never)).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
    });

    // The generated test itself, run by vitest in the new folder.
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [path.join(cliNodeModules, 'vitest', 'vitest.mjs'), 'run', '--root', dir, '--reporter', 'verbose'],
      { cwd: dir, env: { ...process.env, CI: '1', NO_COLOR: '1' }, timeout: 120_000 },
    );
    expect(stdout).toContain('2 passed');
  }, 150_000);

  it('scaffolds into <home>/skills/<name>/, registers it, and the fleet then lists it', async () => {
    home = await initHome();
    linkNodeModules(home.home);
    const template = readFileSync(home.config, 'utf8');
    const result = await runCli(['skill', 'new', 'word_count', '--register', '--home', home.home]);
    expect(result.code).toBe(0);
    const dir = path.join(home.home, 'skills', 'word_count');
    expect(result.stdout).toContain(`created ${path.join(dir, 'word_count.mjs')}\n`);
    expect(result.stdout).toContain(`added "skills/word_count" to [skills] dirs in ${home.config}\n`);

    const edited = readFileSync(home.config, 'utf8');
    // Every line of the template is still there (comments included); one line was added.
    expect(edited.split('\n').filter((line) => !template.split('\n').includes(line))).toEqual([
      'dirs = ["skills/word_count"]',
    ]);
    expect(edited.split('\n')).toHaveLength(template.split('\n').length + 1);

    const listed = await runCli(['skill', 'list', '--json', '--home', home.home]);
    expect(listed.code).toBe(0);
    expect(listed.json<SkillJson[]>().find(({ name }) => name === 'word_count')).toEqual({
      name: 'word_count',
      description: 'Echoes a text and counts its words; returns { text, words }.',
      roles: [],
      requiresNetwork: false,
      source: dir,
    });

    // A second skill is appended to the same array.
    expect((await runCli(['skill', 'new', 'other_one', '--register', '--home', home.home])).code).toBe(0);
    expect((parse(readFileSync(home.config, 'utf8')) as { skills: { dirs: string[] } }).skills.dirs).toEqual([
      'skills/word_count',
      'skills/other_one',
    ]);
  });

  it('refuses an existing folder and writes nothing', async () => {
    home = await initHome();
    const dir = path.join(scratch, 'taken');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'keep.txt'), 'mine');
    const result = await runCli(['skill', 'new', 'taken', '--dir', dir, '--register', '--home', home.home]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${dir} already exists; nothing was written`);
    expect(readFileSync(path.join(dir, 'keep.txt'), 'utf8')).toBe('mine');
    expect(existsSync(path.join(dir, 'taken.mjs'))).toBe(false);
    expect(readFileSync(home.config, 'utf8')).not.toContain('taken');
  });

  it.each([
    ['Word'],
    ['1st'],
    ['has-dash'],
    ['../escape'],
    [''],
    ['a'.repeat(65)],
  ])('refuses the name %j (exit 1), creating nothing', async (name) => {
    home = await initHome();
    const result = await runCli(['skill', 'new', name, '--json', '--home', home.home]);
    expect(result.code).toBe(1);
    expect(result.json()).toMatchObject({ error: { code: 'CLI_INVALID_SKILL_NAME' } });
    expect(existsSync(path.join(home.home, 'skills'))).toBe(false);
  });

  it('needs a fleet home unless --dir is given', async () => {
    home = await initHome();
    const missing = path.join(scratch, 'no-home');
    const noHome = await runCli(['skill', 'new', 'word_count', '--home', missing]);
    expect(noHome.code).toBe(1);
    expect(noHome.stderr).toContain('no fleet home');
    const withDir = await runCli([
      'skill',
      'new',
      'word_count',
      '--dir',
      path.join(scratch, 'x'),
      '--home',
      missing,
    ]);
    expect(withDir.code).toBe(0);
  });
});

describe('addSkillsDir', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'biged-skills-dir-'));
    file = path.join(dir, 'fleet.toml');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const add = (target = path.join(dir, 'skills', 'x')) =>
    addSkillsDir({ configFile: file, home: dir, dir: target });
  const dirs = () => (parse(readFileSync(file, 'utf8')) as { skills: { dirs: string[] } }).skills.dirs;

  it('creates the section when the file or the section is missing', () => {
    expect(add()).toEqual({ entry: 'skills/x', added: true });
    expect(readFileSync(file, 'utf8')).toBe('\n[skills]\ndirs = ["skills/x"]\n');
    writeFileSync(file, '# my fleet\n[fleet]\nname = "a" # keep me');
    add();
    expect(readFileSync(file, 'utf8')).toBe(
      '# my fleet\n[fleet]\nname = "a" # keep me\n\n[skills]\ndirs = ["skills/x"]\n',
    );
  });

  it('appends to a multi-line array with comments and a trailing comma, keeping them', () => {
    const text =
      '[skills]\ndirs = [\n  "a", # first\n  "b",\n] # end\npackages = []\n\n[logging]\nlevel = "info"\n';
    writeFileSync(file, text);
    add();
    expect(dirs()).toEqual(['a', 'b', 'skills/x']);
    const edited = readFileSync(file, 'utf8');
    expect(edited).toContain('# first');
    expect(edited).toContain('] # end\npackages = []\n\n[logging]\nlevel = "info"\n');
  });

  it('appends to a one-line array, keeps an absolute path outside the home, and does nothing twice', () => {
    writeFileSync(file, '[skills] # third-party\ndirs = ["a"]   # mine\n');
    const outside = path.join(tmpdir(), 'elsewhere-skills');
    expect(add(outside)).toEqual({ entry: outside, added: true });
    expect(dirs()).toEqual(['a', outside]);
    expect(readFileSync(file, 'utf8')).toContain('   # mine\n');
    const before = readFileSync(file, 'utf8');
    expect(add(outside)).toEqual({ entry: outside, added: false });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('refuses to edit a file that is not valid TOML, leaving it as it was', () => {
    writeFileSync(file, '[skills\ndirs = [');
    expect(() => add()).toThrow(expect.objectContaining({ code: 'CLI_CONFIG_EDIT_FAILED' }));
    expect(readFileSync(file, 'utf8')).toBe('[skills\ndirs = [');
  });
});
