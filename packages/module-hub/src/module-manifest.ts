import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MODULE_NAME_PATTERN, MODULE_VERSION_PATTERN } from '@biged/module-sdk';
import { z } from 'zod';

/** The file every module folder and bundle has at its root. */
export const MODULE_MANIFEST_FILE = 'module.json';

/** Where the hub records how a module was installed, inside its folder. */
export const INSTALL_RECORD_FILE = '.biged-install.json';

/** The pattern a manifest `entry` matches: a relative path of plain segments ending in .js or .mjs. */
const ENTRY_PATTERN = /^(?!.*(^|\/)\.\.?(\/|$))[A-Za-z0-9_.@-]+(\/[A-Za-z0-9_.@-]+)*\.m?js$/;

/**
 * `module.json`: what a module folder holds. `entry` is the ESM file whose default export (or `module`
 * export) is the `defineModule()` result.
 */
export const moduleManifestSchema = z.object({
  /** The module name; equals the folder name and the module's NAME. */
  name: z.string().regex(MODULE_NAME_PATTERN, 'a module name (/^[a-z][a-z0-9_-]{0,63}$/)'),
  /** The module version; equals the module's VERSION. */
  version: z.string().regex(MODULE_VERSION_PATTERN, 'a version such as "1.2.0"'),
  /** The ESM entry file, relative to the folder. Default `index.js`. */
  entry: z
    .string()
    .regex(ENTRY_PATTERN, 'a relative path ending in .js or .mjs, without ".." segments')
    .default('index.js'),
  /** One line about the module. */
  description: z.string().max(1000).default(''),
  /** The oldest @biged/module-sdk the module works with. */
  min_sdk_version: z.string().regex(MODULE_VERSION_PATTERN, 'a version such as "0.1.0"').optional(),
});

/** A validated `module.json`. */
export type ModuleManifest = z.output<typeof moduleManifestSchema>;

/** How a module was installed (`.biged-install.json` in its folder). */
export const installRecordSchema = z.object({
  /** Lower-case hex SHA-256 of the bundle installed. */
  sha256: z.string(),
  /** Where it came from: a registry URL or folder, or `file:<path>` for `installFromFile`. */
  source: z.string(),
  /** The publisher whose key verified the signature, if one was checked. */
  signedBy: z.string().optional(),
  /** ISO time of the install. */
  installedAt: z.string(),
});

/** A validated install record. */
export type InstallRecord = z.output<typeof installRecordSchema>;

/** Parses manifest JSON text; returns the manifest or a one-line reason. */
export function parseModuleManifest(text: string): { manifest: ModuleManifest } | { reason: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return { reason: `${MODULE_MANIFEST_FILE} is not valid JSON: ${(error as Error).message}` };
  }
  const result = moduleManifestSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    return { reason: `${MODULE_MANIFEST_FILE} is invalid: ${issues.join('; ')}` };
  }
  return { manifest: result.data };
}

/** Reads `<dir>/module.json`; returns the manifest or a one-line reason. */
export async function readModuleManifest(
  dir: string,
): Promise<{ manifest: ModuleManifest } | { reason: string }> {
  let text: string;
  try {
    text = await readFile(path.join(dir, MODULE_MANIFEST_FILE), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      reason:
        code === 'ENOENT' ? `no ${MODULE_MANIFEST_FILE}` : `cannot read ${MODULE_MANIFEST_FILE}: ${code}`,
    };
  }
  return parseModuleManifest(text);
}

/** Reads `<dir>/.biged-install.json`, or `undefined` when absent or unreadable. */
export async function readInstallRecord(dir: string): Promise<InstallRecord | undefined> {
  try {
    const result = installRecordSchema.safeParse(
      JSON.parse(await readFile(path.join(dir, INSTALL_RECORD_FILE), 'utf8')),
    );
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}
