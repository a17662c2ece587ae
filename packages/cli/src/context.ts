// The command context: context-core.ts holds everything that loads neither smol-toml nor zod (what
// `biged status` uses); `loadFleetConfig` validates fleet.toml synchronously and so loads both.
import { loadConfig } from '@biged/core/config';
import type { FleetConfig } from '@biged/core/startup';
import type { CommandContext } from './context-core';

export * from './context-core';

/** Loads and validates fleet.toml (defaults when it is missing); prints unknown-key warnings to stderr. */
export function loadFleetConfig(context: CommandContext): FleetConfig {
  const { config, warnings } = loadConfig({ file: context.paths.config });
  for (const warning of warnings) context.warn(warning);
  return config;
}
