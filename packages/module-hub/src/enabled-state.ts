import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '@biged/core';
import { MODULE_NAME_PATTERN } from '@biged/module-sdk';
import { HubError } from './errors/hub-error';
import { assertModuleName, hubPaths } from './hub-paths';

/**
 * Reads `<home>/modules/enabled.json` (name -> true/false), the enable flags the Module Hub writes so an
 * installed module gets its tab without a fleet.toml edit. Pass it to `enabledModules(config, modules,
 * { state })`. A missing file is `{}`; entries that are not `name: boolean` are ignored; a file that is not
 * a JSON object throws `HubError` (`HUB_INSTALL_FAILED`) naming it.
 */
export async function readEnabledState(home: string): Promise<Record<string, boolean>> {
  const file = hubPaths(home).enabledState;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new HubError({ code: 'HUB_INSTALL_FAILED', message: `cannot read ${file}`, cause: error });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HubError({
      code: 'HUB_INSTALL_FAILED',
      message: `${file} is not valid JSON`,
      cause: error,
      hint: 'fix or delete it; it only holds enable flags (install / enable write it again)',
    });
  }
  if (parsed == null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new HubError({
      code: 'HUB_INSTALL_FAILED',
      message: `${file} must hold a JSON object of name: true/false`,
    });
  }
  const state: Record<string, boolean> = {};
  for (const [name, enabled] of Object.entries(parsed)) {
    if (MODULE_NAME_PATTERN.test(name) && typeof enabled === 'boolean') state[name] = enabled;
  }
  return state;
}

/**
 * Sets (`true`/`false`) or removes (`undefined`) one module's flag in `<home>/modules/enabled.json`,
 * written atomically (temp file + rename). Returns the new state.
 */
export async function writeEnabledFlag(
  home: string,
  name: string,
  enabled: boolean | undefined,
): Promise<Record<string, boolean>> {
  assertModuleName(name);
  const file = hubPaths(home).enabledState;
  const state = await readEnabledState(home);
  if (enabled === undefined) delete state[name];
  else state[name] = enabled;
  const sorted = Object.fromEntries(Object.entries(state).sort(([a], [b]) => a.localeCompare(b)));
  try {
    await writeFileAtomic(file, `${JSON.stringify(sorted, null, 2)}\n`, { mode: 0o644 });
  } catch (error) {
    throw new HubError({ code: 'HUB_INSTALL_FAILED', message: `cannot write ${file}`, cause: error });
  }
  return sorted;
}
