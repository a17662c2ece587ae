import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  type FleetConfig,
  type FleetPaths,
  fleetPaths,
  hostDatabaseFromConfig,
  loadConfigCached,
  queueOptionsFromConfig,
  queueTargetFromConfig,
  resolveHome,
} from '@biged/core/startup';
import type { TaskQueue, TaskStore } from '@biged/queue';
import type { Command } from 'commander';
import { CliError } from './errors';
import type { ExitCode } from './exit-codes';
import type { CliIO } from './io';

/** The options every command accepts (declared once on the program). */
export interface GlobalOptions {
  home?: string;
  json?: boolean;
}

/** Shared wiring for the process-wide parts of a run, created once per program. */
export interface ProgramSession {
  io: CliIO;
  /** Absolute path of the `biged` bin script, used to re-run it as the detached supervisor. */
  binPath: string;
  /** Records the exit code a command ends with when it did not throw (e.g. a waited task FAILED). */
  setExitCode(code: ExitCode): void;
}

/** What a command's action works with. */
export interface CommandContext extends ProgramSession {
  home: string;
  paths: FleetPaths;
  json: boolean;
  /** Writes to stdout. */
  print(text: string): void;
  /** Writes a JSON document (2-space indented, newline-terminated) to stdout. */
  printJson(value: unknown): void;
  /** Writes `warning: <message>` to stderr. */
  warn(message: string): void;
}

/** Builds the context for the command being run from its (global) options. */
export function contextFor(session: ProgramSession, command: Command): CommandContext {
  const options = command.optsWithGlobals<GlobalOptions>();
  const { io } = session;
  // Relative homes resolve against the caller's cwd (io.cwd), not the process's; an empty
  // BIGED_HOME counts as unset (else it would resolve to the cwd).
  const chosen = options.home || io.env.BIGED_HOME || undefined;
  const home = resolveHome({ home: chosen ? path.resolve(io.cwd, chosen) : undefined, env: {} });
  return {
    ...session,
    home,
    paths: fleetPaths(home),
    json: options.json === true,
    print: (text) => io.stdout.write(text),
    printJson: (value) => io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    warn: (message) => io.stderr.write(`warning: ${message}\n`),
  };
}

/** Fails with a "run biged init" hint when the home does not exist. */
export function requireHome(context: CommandContext): void {
  if (!existsSync(context.home)) {
    throw new CliError({
      code: 'CLI_HOME_NOT_FOUND',
      message: `no fleet home at ${context.home}`,
      hint: `create it with \`biged init --home ${context.home}\`, or point --home / BIGED_HOME at an existing one`,
    });
  }
}

/** The SQLite file of the queue, derived the same way the supervisor and workers derive it. */
export function queueFile(context: CommandContext, config: FleetConfig): string {
  return queueOptionsFromConfig(config, context.home).file;
}

/** Opens the queue the fleet uses, runs `work`, and always closes it. */
export async function withQueue<T>(
  context: CommandContext,
  config: FleetConfig,
  work: (queue: TaskQueue) => T | Promise<T>,
): Promise<T> {
  const options = queueOptionsFromConfig(config, context.home);
  // Imported here, not at the top: commands that only read (`biged status`) start without Drizzle.
  const { createQueue } = await import('@biged/queue');
  const queue = createQueue(options);
  try {
    return await work(queue);
  } finally {
    queue.close();
  }
}

/**
 * Runs `work` on this host's own SQLite file: the queue on a SQLite fleet, `fleet.db` in the home beside a
 * PostgreSQL queue. For what belongs to one host: the usage ledger, audit rows, secret reads.
 */
export async function withHostQueue<T>(
  context: CommandContext,
  config: FleetConfig,
  work: (queue: TaskQueue) => T | Promise<T>,
): Promise<T> {
  const { createQueue } = await import('@biged/queue');
  const queue = createQueue(hostDatabaseFromConfig(config, context.home));
  try {
    return await work(queue);
  } finally {
    queue.close();
  }
}

/**
 * Runs `work` on the fleet's task store: the SQLite queue or the PostgreSQL server `[queue] url` names.
 * For commands that need only what every store has (submit, cancel, results, agents, messages, pause).
 */
export async function withStore<T>(
  context: CommandContext,
  config: FleetConfig,
  work: (store: TaskStore) => T | Promise<T>,
): Promise<T> {
  const target = queueTargetFromConfig(config, context.home);
  const { openTaskStore } = await import('@biged/queue');
  const opened = await openTaskStore(target);
  try {
    return await work(opened.store);
  } finally {
    await opened.close();
  }
}

/**
 * `loadFleetConfig` through the config cache (`<home>/run/config-cache.json`, core's `loadConfigCached`):
 * the same config and warnings, without loading smol-toml or zod when fleet.toml has not changed. For the
 * commands whose start-up time matters (`biged status`).
 */
export async function loadFleetConfigCached(context: CommandContext): Promise<FleetConfig> {
  const { config, warnings } = await loadConfigCached({
    file: context.paths.config,
    cacheFile: path.join(context.paths.run, 'config-cache.json'),
    // Through the package entry: `biged status` runs from a bundle (dist/fast/status.cjs) that holds a copy
    // of loadConfigCached but not the validator, which the installed @biged/core provides.
    loadConfig: async (options) => (await import('@biged/core/config')).loadConfig(options),
  });
  for (const warning of warnings) context.warn(warning);
  return config;
}
