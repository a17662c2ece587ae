import { homedir } from 'node:os';
import path from 'node:path';

/** Options for `resolveHome`. */
export interface ResolveHomeOptions {
  /** An explicit home (`--home`); wins over everything. */
  home?: string | undefined;
  /** Environment to read `BIGED_HOME` from. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/** The fleet home: `--home`, else `BIGED_HOME`, else `~/.biged` (empty values count as unset). Always absolute. */
export function resolveHome({ home, env = process.env }: ResolveHomeOptions = {}): string {
  // An empty --home or BIGED_HOME counts as unset (it would otherwise resolve to the cwd).
  const chosen = home || env.BIGED_HOME || path.join(homedir(), '.biged');
  return path.resolve(chosen);
}

/** Every path BigEd reads or writes inside a fleet home. */
export interface FleetPaths {
  home: string;
  config: string;
  db: string;
  ragDb: string;
  logs: string;
  knowledge: string;
  hwState: string;
  status: string;
  keysRegistry: string;
  backups: string;
  debugReports: string;
  /** Supervisor pid file and other runtime state. */
  run: string;
  supervisorPid: string;
  /** GGUF model files the embedded local-model backend serves (`<name>.gguf` is model `<name>`). */
  models: string;
  /** Where the supervisor advertises the embedded backend it started (`{ url, pid, models, startedAt }`). */
  embeddedOllama: string;
}

/** Paths inside `home` (see docs/architecture.md, "The fleet home"). */
export function fleetPaths(home: string): FleetPaths {
  const at = (...parts: string[]) => path.join(home, ...parts);
  return {
    home,
    config: at('fleet.toml'),
    db: at('fleet.db'),
    ragDb: at('rag.db'),
    logs: at('logs'),
    knowledge: at('knowledge'),
    hwState: at('hw_state.json'),
    status: at('STATUS.md'),
    keysRegistry: at('keys_registry.toml'),
    backups: at('backups'),
    debugReports: at('reports', 'debug'),
    run: at('run'),
    supervisorPid: at('run', 'supervisor.pid'),
    models: at('models'),
    embeddedOllama: at('run', 'embedded-ollama.json'),
  };
}
