import { existsSync, readFileSync } from 'node:fs';
import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { toError } from '@biged/core';
import { isSkill, type Skill } from './define-skill';
import { SkillLoadError } from './errors/skill-load-error';

const SKILL_FILE = /\.(?:m?js)$/;

/** Something exported that claims to be a skill of a version this SDK does not speak. */
const foreignVersion = (value: unknown): string | undefined => {
  if (value == null || typeof value !== 'object') return undefined;
  const { specificationVersion, name, run } = value as Record<string, unknown>;
  return typeof specificationVersion === 'string' &&
    specificationVersion !== 'v1' &&
    typeof name === 'string' &&
    typeof run === 'function'
    ? specificationVersion
    : undefined;
};

/**
 * The skills a module exports: its default export and every named export that is a skill (or an array
 * of skills), each kept once.
 */
function collectSkills(
  namespace: Record<string, unknown>,
  where: { file?: string; packageName?: string },
): Skill[] {
  const found = new Set<Skill>();
  for (const value of Object.values(namespace)) {
    for (const candidate of Array.isArray(value) ? value : [value]) {
      if (isSkill(candidate)) {
        found.add(candidate);
        continue;
      }
      const version = foreignVersion(candidate);
      if (version) {
        const { name } = candidate as { name: string };
        throw new SkillLoadError({
          ...where,
          message: `skill "${name}" in ${where.packageName ?? where.file} uses specification ${version}; this @biged/skill-sdk supports v1`,
          hint: 'upgrade @biged/skill-sdk (or the fleet), or use a version of the skill built for v1',
        });
      }
    }
  }
  return [...found];
}

async function importModule(file: string, where: { file?: string; packageName?: string }) {
  try {
    return (await import(/* @vite-ignore */ pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const cause = toError(error);
    throw new SkillLoadError({
      ...where,
      file,
      message: `could not load skills from ${where.packageName ? `package "${where.packageName}" (${file})` : file}: ${cause.message}`,
      cause,
    });
  }
}

/**
 * Imports every `.js` and `.mjs` file directly inside `dir` (not sub-directories; names starting with
 * `_` or `.` are helpers and skipped) and returns the skills they export, in file-name order. A file that
 * exports no skill contributes nothing. A file that fails to import throws `SkillLoadError`
 * (`SKILL_LOAD_FAILED`) naming the file, with the import error as `cause`; so does a missing directory.
 */
export async function loadSkillsFromDirectory(dir: string): Promise<Skill[]> {
  const absolute = path.resolve(dir);
  let names: string[];
  try {
    names = await readdir(absolute);
  } catch (error) {
    throw new SkillLoadError({
      file: absolute,
      message: `could not read the skill directory ${absolute}: ${toError(error).message}`,
      cause: error,
      hint: 'create it, or fix [skills] dirs in fleet.toml (relative paths are relative to the fleet home)',
    });
  }
  const skills: Skill[] = [];
  for (const name of names.filter((entry) => SKILL_FILE.test(entry) && !/^[_.]/.test(entry)).sort()) {
    const file = path.join(absolute, name);
    const namespace = await importModule(file, { file });
    skills.push(...collectSkills(namespace, { file }));
  }
  return skills;
}

/** Options for `loadSkillsFromPackage`. */
export interface LoadSkillsFromPackageOptions {
  /** Directory the package is resolved from, as if imported by a file inside it (usually the fleet home). */
  from: string;
}

const splitSpecifier = (specifier: string): { packageName: string; subpath: string } => {
  const parts = specifier.split('/');
  const count = specifier.startsWith('@') ? 2 : 1;
  const rest = parts.slice(count).join('/');
  return { packageName: parts.slice(0, count).join('/'), subpath: rest === '' ? '.' : `./${rest}` };
};

type ExportsTarget = string | null | ExportsTarget[] | { [condition: string]: ExportsTarget };

const CONDITIONS = ['import', 'node', 'default'];

/** Picks the file an `exports` target points to under the `import` / `node` / `default` conditions. */
function pickTarget(target: ExportsTarget | undefined): string | undefined {
  if (target == null) return undefined;
  if (typeof target === 'string') return target;
  if (Array.isArray(target)) {
    for (const item of target) {
      const picked = pickTarget(item);
      if (picked) return picked;
    }
    return undefined;
  }
  for (const [condition, value] of Object.entries(target)) {
    if (CONDITIONS.includes(condition)) {
      const picked = pickTarget(value);
      if (picked) return picked;
    }
  }
  return undefined;
}

/** The entry file of `subpath` in the package at `directory`, per its `exports`, `module` or `main`. */
function entryOf(directory: string, subpath: string): string | undefined {
  const manifest = JSON.parse(readFileSync(path.join(directory, 'package.json'), 'utf8')) as {
    exports?: ExportsTarget;
    module?: string;
    main?: string;
  };
  const { exports } = manifest;
  if (exports !== undefined) {
    const isSubpathMap =
      exports !== null &&
      typeof exports === 'object' &&
      !Array.isArray(exports) &&
      Object.keys(exports).some((key) => key.startsWith('.'));
    const target = isSubpathMap
      ? (exports as Record<string, ExportsTarget>)[subpath]
      : subpath === '.'
        ? exports
        : undefined;
    const picked = pickTarget(target);
    return picked ? path.join(directory, picked) : undefined;
  }
  if (subpath !== '.') return path.join(directory, subpath);
  return path.join(directory, manifest.module ?? manifest.main ?? 'index.js');
}

/**
 * Imports an npm package as a file in `from` would (Node's `node_modules` lookup, the package's
 * `exports` with the `import` condition, else `module` / `main`) and returns the skills it exports:
 * the default export and named exports that are skills or arrays of skills. Works for ESM-only packages,
 * which `require.resolve` cannot resolve. Throws `SkillLoadError` (`SKILL_LOAD_FAILED`) when the package
 * is not found, fails to import, or exports no skill.
 */
export async function loadSkillsFromPackage(
  specifier: string,
  { from }: LoadSkillsFromPackageOptions,
): Promise<Skill[]> {
  const { packageName, subpath } = splitSpecifier(specifier);
  let directory: string | undefined;
  for (let current = path.resolve(from); ; current = path.dirname(current)) {
    const candidate = path.join(current, 'node_modules', packageName);
    if (existsSync(path.join(candidate, 'package.json'))) {
      directory = candidate;
      break;
    }
    if (path.dirname(current) === current) break;
  }
  if (!directory) {
    throw new SkillLoadError({
      packageName: specifier,
      message: `skill package "${specifier}" is not installed in ${path.resolve(from)} or any parent node_modules`,
      hint: `install it in the fleet home (cd ${from} && npm install ${packageName})`,
    });
  }
  let entry: string | undefined;
  try {
    entry = entryOf(await realpath(directory), subpath);
  } catch (error) {
    throw new SkillLoadError({
      packageName: specifier,
      file: path.join(directory, 'package.json'),
      message: `could not read the package.json of "${packageName}": ${toError(error).message}`,
      cause: error,
    });
  }
  if (!entry) {
    throw new SkillLoadError({
      packageName: specifier,
      file: path.join(directory, 'package.json'),
      message: `package "${packageName}" exports no "${subpath}" entry for import`,
    });
  }
  const namespace = await importModule(entry, { packageName: specifier });
  const skills = collectSkills(namespace, { file: entry, packageName: specifier });
  if (skills.length === 0) {
    throw new SkillLoadError({
      packageName: specifier,
      file: entry,
      message: `package "${specifier}" exports no skills (expected exports built with defineSkill())`,
    });
  }
  return skills;
}
