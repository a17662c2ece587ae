// Entry point of one worker process, forked by the supervisor with an IPC channel.
// Environment: BIGED_HOME, BIGED_AGENT (agent name), BIGED_ROLE; BIGED_OLLAMA_HOST (the local model
// backend the supervisor chose) or BIGED_LOCAL_MODELS_HINT (its advice when there is none);
// BIGED_LOCAL_BACKEND (its kind: no tier models for the embedded backend).
import {
  agentHostFromConfig,
  createLogger,
  createSecretsStore,
  type FleetConfig,
  type FleetPaths,
  fleetPaths,
  hostDatabaseFromConfig,
  type Logger,
  loadConfig,
  queueTargetFromConfig,
  type Router,
  toError,
} from '@biged/core';
import { createFleetRouter } from '@biged/model-providers';
import {
  createAuditedSecretsStore,
  createLedgerUsageSink,
  createQueue,
  createUsageLedger,
  openTaskStore,
  type TaskQueue,
} from '@biged/queue';
import { installCrashReporter } from './debug-report';
import { createEnergyUsageSink } from './energy-usage-sink';
import { createHwStateReader, type HwStateReader, localNumGpuFrom } from './hw-state-reader';
import { loadFleetSkills } from './load-fleet-skills';
import { LOCAL_BACKEND_KIND_ENV, LOCAL_MODELS_HINT_ENV } from './local-backend';
import { runWorker } from './worker';
import { createWorkerFsGuard } from './worker-fs-guard';

const home = process.env.BIGED_HOME;
const name = process.env.BIGED_AGENT;
const role = process.env.BIGED_ROLE ?? name;
// An uncaught exception or unhandled rejection writes a debug report to <home>/reports/debug, then exits 1.
const crashReporter = home
  ? installCrashReporter({ home, component: `worker:${name ?? 'unknown'}` })
  : undefined;

/**
 * The worker's one model router, shared by all its tasks: providers from fleet.toml, the local one at
 * BIGED_OLLAMA_HOST, usage booked in the ledger of the worker's own queue database, with the energy of
 * local calls when the hardware monitor reports the GPU's power. Undefined (logged once) when it cannot be
 * built: skills that call a model then fail with SKILL_NO_MODEL_ROUTER.
 */
function buildRouter(
  config: FleetConfig,
  paths: FleetPaths,
  queue: TaskQueue,
  log: Logger,
  hwState: HwStateReader | undefined,
): Router | undefined {
  try {
    const ledger = createUsageLedger({ queue });
    const ledgerSink = createLedgerUsageSink({ ledger, config });
    return createFleetRouter({
      config,
      paths,
      // Every key a provider loads is a `secret_read` audit row (the key's name, never its value).
      secrets: createAuditedSecretsStore({
        store: createSecretsStore({ airGap: config.fleet.air_gap_mode }),
        audit: queue,
        actor: name ?? 'worker',
        onAuditError: (error) =>
          log.warn('could not write the secret_read audit row', { error: error.message }),
      }),
      // A CPU tier (eco mode, the CPU fallback, training) keeps local calls off the GPU: num_gpu 0. The
      // embedded backend serves its own GGUF files and places them itself.
      ...(hwState && process.env[LOCAL_BACKEND_KIND_ENV] !== 'embedded'
        ? { localNumGpu: localNumGpuFrom(hwState) }
        : {}),
      usage: hwState
        ? createEnergyUsageSink({ sink: ledgerSink, powerW: () => hwState.current()?.thermal.power_w })
        : ledgerSink,
      onEvent: (name, payload) => {
        if (name === 'model:call') return;
        // Errors as messages: the logger's JSON would show an Error object as {}.
        const fields: Record<string, unknown> = { ...payload };
        if (fields.error !== undefined) fields.error = toError(fields.error).message;
        if (name === 'model:retry') log.debug(name, fields);
        else log.warn(name, fields);
      },
    });
  } catch (error) {
    log.error('model router unavailable: skills that call a model will fail', {
      error: toError(error).message,
    });
    return undefined;
  }
}

async function main(): Promise<number> {
  if (!home || !name || !role) {
    console.error('worker-main: BIGED_HOME and BIGED_AGENT must be set (the supervisor starts workers)');
    return 2;
  }
  const paths = fleetPaths(home);
  const { config } = loadConfig({ file: paths.config });
  const log = createLogger({ logsDir: paths.logs, role: name, level: config.logging.level });
  // The task store (SQLite or PostgreSQL), and this host's own SQLite file for the usage ledger, the audit
  // trail and secret reads: the same file as the queue on a SQLite fleet.
  const opened = await openTaskStore(queueTargetFromConfig(config, home));
  const { store } = opened;
  const queue = opened.queue ?? createQueue(hostDatabaseFromConfig(config, home));
  try {
    const skills = await loadFleetSkills({ home, config });
    await store.registerAgent({
      name,
      role,
      pid: process.pid,
      host: agentHostFromConfig(config),
      status: 'IDLE',
    });
    // One reader for the claim loop, the tier model and the energy meter: the file is read at most once
    // per poll interval for all three.
    const hwState = config.fleet.hw_monitor
      ? createHwStateReader({ file: paths.hwState, pollIntervalMs: config.thermal.poll_interval_secs * 1000 })
      : undefined;
    const models = buildRouter(config, paths, queue, log, hwState);
    const localModelsHint = process.env[LOCAL_MODELS_HINT_ENV];
    const fsGuard = createWorkerFsGuard({ config, home: paths.home, queue, agent: name, log });
    const worker = runWorker({
      agent: { name, role },
      config,
      paths,
      store,
      // Workflows, idle work and human-in-the-loop need the SQLite queue: only on a SQLite fleet.
      ...(opened.queue ? { queue: opened.queue } : {}),
      fsGuard,
      skills,
      log,
      ...(models ? { models } : {}),
      ...(localModelsHint ? { localModelsHint } : {}),
      hwState: hwState ?? false,
      useTierModel: process.env[LOCAL_BACKEND_KIND_ENV] !== 'embedded',
    });
    const stop = () => void worker.stop();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    // The supervisor is gone: finish up instead of running orphaned.
    process.once('disconnect', stop);
    log.info('worker ready', { skills: skills.list().length });
    process.send?.({ type: 'ready', name, pid: process.pid });
    await worker.done;
    await store.setAgentStatus(name, 'OFFLINE').catch((error: unknown) => {
      log.warn('could not mark the agent OFFLINE', { error: toError(error).message });
    });
    log.info('worker stopped');
    return 0;
  } catch (error) {
    log.error('worker crashed', { error: toError(error).stack });
    throw error;
  } finally {
    log.flush();
    await opened.close();
    if (!opened.queue) queue.close();
  }
}

main().then(
  // Exit explicitly: a skill that timed out but ignored its abort signal may still hold timers or sockets,
  // and must not keep a stopped worker alive.
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(toError(error).stack);
    crashReporter?.report(error);
    process.exit(1);
  },
);
