// Entry point of the hardware monitor process (the manual's hw_supervisor), forked by the supervisor with
// an IPC channel when [fleet] hw_monitor is true. Environment: BIGED_HOME; BIGED_OLLAMA_HOST (the local
// model backend the supervisor decided; default [models] ollama_host). Logs to logs/hw_supervisor.log.
import {
  createLogger,
  fleetPaths,
  type Logger,
  loadConfig,
  queueOptionsFromConfig,
  toError,
} from '@biged/core';
import { createHwMonitor, type HwMonitorEventMap } from '@biged/hw-monitor';
import { createQueue, type TaskQueue } from '@biged/queue';
import { installCrashReporter } from './debug-report';
import { OLLAMA_HOST_ENV } from './local-backend';
import { createRunningGpuTasks } from './running-gpu-tasks';

const home = process.env.BIGED_HOME;
// An uncaught exception or unhandled rejection writes a debug report to <home>/reports/debug, then exits 1.
const crashReporter = home ? installCrashReporter({ home, component: 'hw_supervisor' }) : undefined;

/** Events worth a warning in the log; the rest are info (or debug for routine upkeep). */
const WARN_EVENTS = new Set<keyof HwMonitorEventMap>([
  'gpu:unavailable',
  'ollama:unreachable',
  'upkeep:failed',
  'poll:failed',
]);
const DEBUG_EVENTS = new Set<keyof HwMonitorEventMap>(['upkeep:done']);

/** Whether the training lock is held; a queue that cannot be read counts as "not training" (logged). */
function trainingCheck(queue: TaskQueue, log: Logger): () => boolean {
  let failing = false;
  return () => {
    try {
      const held = queue.getLock('training') !== undefined;
      failing = false;
      return held;
    } catch (error) {
      if (!failing) log.warn('could not read the training lock', { error: toError(error).message });
      failing = true;
      return false;
    }
  };
}

async function main(): Promise<number> {
  if (!home) {
    console.error('hw-monitor-main: BIGED_HOME must be set (the supervisor starts the monitor)');
    return 2;
  }
  const paths = fleetPaths(home);
  const { config } = loadConfig({ file: paths.config });
  const log = createLogger({ logsDir: paths.logs, role: 'hw_supervisor', level: config.logging.level });
  const queue = createQueue(queueOptionsFromConfig(config, home));
  try {
    const host = process.env[OLLAMA_HOST_ENV] || config.models.ollama_host;
    const monitor = createHwMonitor({
      config,
      paths,
      isTraining: trainingCheck(queue, log),
      // A tier swap waits grace_period_secs only while GPU-heavy tasks run (none running: it goes now).
      runningGpuTasks: createRunningGpuTasks({
        queue,
        skills: config.thermal.gpu_heavy_skills,
        onError: (error) => log.warn('could not count the running GPU tasks', { error: error.message }),
      }),
      ollama: { host },
      onEvent: (name, payload) => {
        // Errors as messages: the logger's JSON would show an Error object as {}.
        const fields: Record<string, unknown> = { ...payload };
        if (fields.error !== undefined) fields.error = toError(fields.error).message;
        if (WARN_EVENTS.has(name)) log.warn(name, fields);
        else if (DEBUG_EVENTS.has(name)) log.debug(name, fields);
        else log.info(name, fields);
      },
    });
    let stopRequested: () => void = () => {};
    const stopped = new Promise<void>((resolve) => {
      stopRequested = resolve;
    });
    process.once('SIGTERM', () => stopRequested());
    process.once('SIGINT', () => stopRequested());
    // The supervisor is gone: stop instead of running orphaned.
    process.once('disconnect', () => stopRequested());
    monitor.start();
    log.info('hardware monitor started', {
      ollamaHost: host,
      pollIntervalSecs: config.thermal.poll_interval_secs,
      file: paths.hwState,
    });
    process.send?.({ type: 'ready', pid: process.pid });
    await stopped;
    await monitor.stop();
    log.info('hardware monitor stopped');
    return 0;
  } catch (error) {
    log.error('hardware monitor crashed', { error: toError(error).stack });
    throw error;
  } finally {
    log.flush();
    queue.close();
  }
}

main().then(
  // Exit explicitly: an Ollama call still in flight must not keep a stopped monitor alive.
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(toError(error).stack);
    crashReporter?.report(error);
    process.exit(1);
  },
);
