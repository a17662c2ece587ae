import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SKILL_NAME_PATTERN, VERSION as SKILL_SDK_VERSION } from '@biged/skill-sdk';
import { CliError } from '../errors';

/** What `scaffoldSkill` wrote. */
export interface ScaffoldedSkill {
  /** The skill name. */
  name: string;
  /** The folder created. */
  dir: string;
  /** The skill file (`<dir>/<name>.mjs`): the one file the fleet's loader imports from the folder. */
  skillFile: string;
  /** Its vitest test (`<dir>/test/<name>.test.mjs`, in a sub-folder so the loader never imports it). */
  testFile: string;
  /** `<dir>/package.json`: ESM, `npm test`, and the SDK and vitest as dependencies. */
  packageFile: string;
}

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_match, char: string) => char.toUpperCase());

/** The skill file's text. */
export function skillSource(name: string): string {
  return `// The ${name} skill. The fleet imports every .js/.mjs file directly in this folder (not test/).
import { defineSkill, z } from '@biged/skill-sdk';

export const ${camel(name)} = defineSkill({
  name: '${name}',
  // Say what it does and what it returns: the conductor reads this to pick the skill.
  description: 'Echoes a text and counts its words; returns { text, words }.',
  payload: z.strictObject({
    text: z.string().min(1).max(10_000),
  }),
  roles: [], // e.g. ['researcher']; informational, routing uses [affinity] in fleet.toml
  // requiresNetwork: true, // uncomment if it calls the internet (refused offline)
  timeoutMs: 60_000,
  async run({ text }, ctx) {
    ctx.signal.throwIfAborted();
    const words = text.split(/\\s+/).filter(Boolean).length;
    ctx.log.info('counted', { words });
    return { text, words }; // must be JSON-serialisable
  },
});

export default ${camel(name)};
`;
}

/** The generated test's text. */
export function skillTestSource(name: string): string {
  return `import { runSkill } from '@biged/skill-sdk';
import { describe, expect, it } from 'vitest';
import skill from '../${name}.mjs';

describe('${name}', () => {
  it('runs on a valid payload', async () => {
    const { result } = await runSkill(skill, { text: 'hello big ed' });
    expect(result).toEqual({ text: 'hello big ed', words: 3 });
  });

  it('refuses a payload that does not match its schema', async () => {
    await expect(runSkill(skill, { text: '' })).rejects.toMatchObject({ code: 'PAYLOAD_SCHEMA_MISMATCH' });
    await expect(runSkill(skill, { text: 'x', extra: 1 })).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
    });
  });
});
`;
}

const packageSource = (name: string) =>
  `${JSON.stringify(
    {
      name: name.replaceAll('_', '-'),
      private: true,
      type: 'module',
      scripts: { test: 'vitest run' },
      dependencies: { '@biged/skill-sdk': `^${SKILL_SDK_VERSION}` },
      devDependencies: { vitest: '3.2.4' },
    },
    null,
    2,
  )}\n`;

/** Throws `CLI_INVALID_SKILL_NAME` unless `name` matches the SDK's `SKILL_NAME_PATTERN`. */
export function assertSkillName(name: string): void {
  if (!SKILL_NAME_PATTERN.test(name) || name.length > 64) {
    throw new CliError({
      code: 'CLI_INVALID_SKILL_NAME',
      message: `invalid skill name ${JSON.stringify(name)}: use lower case letters, digits and "_", starting with a letter, at most 64 characters`,
      hint: 'e.g. biged skill new word_count',
    });
  }
}

/**
 * Writes a new skill folder: `<name>.mjs` (a working `defineSkill`), `test/<name>.test.mjs` (vitest, through
 * `runSkill`) and a `package.json`. Refuses an invalid name (`CLI_INVALID_SKILL_NAME`) and an existing
 * folder (`CLI_SKILL_EXISTS`): nothing is ever overwritten.
 */
export function scaffoldSkill(options: { name: string; dir: string }): ScaffoldedSkill {
  const { name, dir } = options;
  assertSkillName(name);
  if (existsSync(dir)) {
    throw new CliError({
      code: 'CLI_SKILL_EXISTS',
      message: `${dir} already exists; nothing was written`,
      hint: 'pick another name, or another folder with --dir',
    });
  }
  const skillFile = path.join(dir, `${name}.mjs`);
  const testFile = path.join(dir, 'test', `${name}.test.mjs`);
  const packageFile = path.join(dir, 'package.json');
  mkdirSync(path.dirname(dir), { recursive: true });
  // recursive: false, so a folder created in between is not written into.
  mkdirSync(dir);
  mkdirSync(path.dirname(testFile));
  writeFileSync(skillFile, skillSource(name), { flag: 'wx' });
  writeFileSync(testFile, skillTestSource(name), { flag: 'wx' });
  writeFileSync(packageFile, packageSource(name), { flag: 'wx' });
  return { name, dir, skillFile, testFile, packageFile };
}
