import { readFileSync, rmSync } from 'node:fs';
import { z } from 'zod';
import type { FleetConfig } from '../config/fleet-config-schema';
import { writeFileAtomicSync } from '../fs/write-file-atomic';
import type { FleetPaths } from '../home/fleet-home';

// NOTE: docs/architecture.md ("Local models") describes this file and the host resolution order.

const embeddedOllamaStateSchema = z.object({
  url: z.string().url(),
  pid: z.number().int().positive(),
  models: z.array(z.string()),
  startedAt: z.string(),
});

/** What the supervisor writes to `run/embedded-ollama.json` once the embedded backend listens. */
export type EmbeddedOllamaState = z.output<typeof embeddedOllamaStateSchema>;

/** True when a process with this pid exists (signal 0 probes without signalling). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Reads the embedded backend's state file. Undefined when it is missing, unreadable, malformed, or
 * written by a process that no longer runs (a supervisor killed with SIGKILL leaves it behind), so callers
 * fall back to `[models] ollama_host`. Never throws.
 */
export function readEmbeddedOllamaState(
  paths: Pick<FleetPaths, 'embeddedOllama'>,
): EmbeddedOllamaState | undefined {
  let text: string;
  try {
    text = readFileSync(paths.embeddedOllama, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const result = embeddedOllamaStateSchema.safeParse(parsed);
  if (!result.success || !processExists(result.data.pid)) return undefined;
  return result.data;
}

/** Writes the state file atomically (temp file, fsync, rename), so readers never see half of it. */
export function writeEmbeddedOllamaState(
  paths: Pick<FleetPaths, 'embeddedOllama'>,
  state: EmbeddedOllamaState,
): void {
  writeFileAtomicSync(
    paths.embeddedOllama,
    `${JSON.stringify(embeddedOllamaStateSchema.parse(state), null, 2)}\n`,
    {
      mode: 0o600,
      fsync: true,
    },
  );
}

/** Removes the state file (no error when it is gone). */
export function removeEmbeddedOllamaState(paths: Pick<FleetPaths, 'embeddedOllama'>): void {
  rmSync(paths.embeddedOllama, { force: true });
}

/** Options for `resolveOllamaHost`. */
export interface ResolveOllamaHostOptions {
  /** The fleet config (`[models] ollama_host`). */
  config: FleetConfig;
  /** The fleet home's paths (for `run/embedded-ollama.json`). */
  paths: Pick<FleetPaths, 'embeddedOllama'>;
  /** Environment to read `BIGED_OLLAMA_HOST` from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * The Ollama API base URL the fleet's local provider talks to: `BIGED_OLLAMA_HOST` (the supervisor sets
 * it for its workers), else the embedded backend a running supervisor advertises, else
 * `[models] ollama_host`. The one local code path is the Ollama API, whichever server answers it.
 */
export function resolveOllamaHost({ config, paths, env = process.env }: ResolveOllamaHostOptions): string {
  if (env.BIGED_OLLAMA_HOST) return env.BIGED_OLLAMA_HOST;
  return readEmbeddedOllamaState(paths)?.url ?? config.models.ollama_host;
}
