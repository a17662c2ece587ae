import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import {
  createLogger,
  fleetPaths,
  type Logger,
  loadConfig,
  queueTargetFromConfig,
  toError,
} from '@biged/core';
import { openTaskStore } from '@biged/queue';
import { installCrashReporter } from './debug-report';
import { FleetError } from './errors/fleet-error';
import { createSupervisor, type Supervisor } from './supervisor';
import {
  clearSupervisorState,
  isProcessAlive,
  readSupervisorState,
  writeSupervisorState,
} from './supervisor-state';

/** Options for `runSupervisor`. */
export interface RunSupervisorOptions {
  home: string;
  /** Called once the fleet is ready, with the supervisor. */
  onReady?: (supervisor: Supervisor) => void;
  /** Resolves the run (a graceful stop) when aborted, in addition to SIGTERM/SIGINT. */
  signal?: AbortSignal;
  /** Override the worker script (tests). */
  workerEntry?: string;
  /**
   * Environment of the worker and hardware monitor processes, and where `BIGED_OLLAMA_HOST` is looked up.
   * Default: `process.env`.
   */
  env?: NodeJS.ProcessEnv;
  /**
   * `false`: run no hardware monitor even when `[fleet] hw_monitor` is true (`biged up --no-hw`); STATUS.md
   * then says `monitor off (disabled by the caller)`. Default: as `[fleet] hw_monitor` says.
   */
  hwMonitor?: false;
}

/**
 * Runs the fleet in the foreground until SIGTERM/SIGINT (or `signal`): recovers orphaned tasks, starts the
 * workers, writes `run/supervisor.json` (ready: true once every worker registered), and on stop lets running
 * tasks finish or returns them to PENDING before it resolves.
 */
export async function runSupervisor({
  home,
  onReady,
  signal,
  workerEntry,
  env,
  hwMonitor,
}: RunSupervisorOptions): Promise<void> {
  const paths = fleetPaths(home);
  const existing = readSupervisorState(home);
  if (existing && existing.pid !== process.pid && isProcessAlive(existing.pid)) {
    throw new FleetError({
      code: 'FLEET_ALREADY_RUNNING',
      pid: existing.pid,
      message: `a supervisor already runs for ${home} (pid ${existing.pid})`,
      hint: 'run `biged down` first, or use another --home',
    });
  }
  mkdirSync(paths.logs, { recursive: true });
  const { config, warnings } = loadConfig({ file: paths.config });
  const log: Logger = createLogger({ logsDir: paths.logs, role: 'supervisor', level: config.logging.level });
  for (const warning of warnings) log.warn(warning);
  // A PostgreSQL queue that cannot be reached fails the start here, before any worker forks.
  const opened = await openTaskStore(queueTargetFromConfig(config, home));
  log.info('queue opened', { dialect: opened.store.dialect, location: opened.store.location });
  // While the fleet runs, an uncaught exception or unhandled rejection in this process writes a debug
  // report (reports/debug) and exits 1; the handlers go when the run ends.
  const crashReporter = installCrashReporter({
    home,
    component: 'supervisor',
    onReport: () => {
      clearSupervisorState(home);
      log.flush();
    },
  });
  const startedAt = new Date().toISOString();
  const saveState = (ready: boolean) =>
    writeSupervisorState(home, {
      pid: process.pid,
      host: hostname(),
      startedAt,
      ready,
      workers: supervisor.workers().map(({ name, pid }) => ({ name, pid })),
    });
  const supervisor = createSupervisor({
    paths,
    config,
    store: opened.store,
    ...(opened.queue ? { queue: opened.queue } : {}),
    log,
    ...(workerEntry ? { workerEntry } : {}),
    ...(env ? { env } : {}),
    ...(hwMonitor === false ? { hwMonitor: false as const } : {}),
  });
  let ready = false;
  supervisor.on('worker:started', () => ready && saveState(true));
  saveState(false);

  let stopRequested: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  const onSignal = (name: string) => () => {
    log.info('stop requested', { signal: name });
    stopRequested();
  };
  const onTerm = onSignal('SIGTERM');
  const onInt = onSignal('SIGINT');
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  signal?.addEventListener('abort', () => stopRequested(), { once: true });

  try {
    await Promise.race([supervisor.start(), stopped]);
    ready = true;
    saveState(true);
    onReady?.(supervisor);
    await stopped;
  } catch (error) {
    log.error('fleet failed to start', { error: toError(error).message });
    throw error;
  } finally {
    await supervisor.stop();
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    await opened.close();
    clearSupervisorState(home);
    log.flush();
    crashReporter.uninstall();
  }
}
