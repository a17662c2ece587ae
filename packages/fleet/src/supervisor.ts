import { type ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type AgentSpec,
  agentHostFromConfig,
  deviceNameFromConfig,
  type FleetConfig,
  type FleetPaths,
  type Logger,
  resolveHostAgents,
  toError,
} from '@biged/core';
import { readHwState } from '@biged/hw-monitor';
import { createSqliteStore, type TaskQueue, type TaskStore } from '@biged/queue';
import { FleetError } from './errors/fleet-error';
import { describeHwState } from './hw-state-reader';
import {
  LOCAL_BACKEND_KIND_ENV,
  type LocalBackend,
  OLLAMA_HOST_ENV,
  type StartLocalBackendOptions,
  startLocalBackend,
} from './local-backend';
import { type Scheduler, type StartSchedulerOptions, startScheduler } from './scheduler';
import { writeStatusMarkdown } from './status-file';
import {
  createWorkerControl,
  type SupervisorControlLoop,
  startSupervisorControlLoop,
  type WorkerControl,
} from './supervisor-control';

/** Events the supervisor emits (`noun:verb`). */
export interface SupervisorEventMap {
  'worker:started': [{ name: string; pid: number }];
  'worker:exited': [{ name: string; pid: number; code: number | null; signal: NodeJS.Signals | null }];
  'worker:respawn-scheduled': [{ name: string; delayMs: number; restarts: number }];
  'task:recovered': [
    { agent: string; requeued: number[]; failed: number[]; reason: 'worker-exit' | 'stale' | 'boot' },
  ];
  'monitor:started': [{ pid: number }];
  'monitor:exited': [{ pid: number; code: number | null; signal: NodeJS.Signals | null }];
  'monitor:respawn-scheduled': [{ delayMs: number; restarts: number }];
}

/** Options for `createSupervisor`. */
export interface CreateSupervisorOptions {
  paths: FleetPaths;
  config: FleetConfig;
  /**
   * The SQLite queue, when the fleet's queue is SQLite: the default `store`, and what only SQLite has so
   * far (the control channel of `biged worker ...`, the scheduler). Omit on a PostgreSQL fleet.
   */
  queue?: TaskQueue;
  /** The task store (agents, recovery, STATUS.md). Default `createSqliteStore(queue)`. */
  store?: TaskStore;
  log: Logger;
  /**
   * The agents to run. Default: `resolveHostAgents(config, deviceNameFromConfig(config))`: names qualified
   * by the host (`coder_1@alpha`) on a fleet that spans hosts.
   */
  agents?: AgentSpec[];
  /** Script forked for each worker. Default: this package's worker-main.js. */
  workerEntry?: string;
  /** Respawn backoff bounds in ms. Default 500 .. 30 000. */
  respawnBackoffMs?: { min: number; max: number };
  /** How long `start()` waits for every worker to report ready. Default 30 s. */
  readyTimeoutMs?: number;
  /**
   * How the local model backend is found or started before the workers fork (see `startLocalBackend`):
   * extra options (`env`, `probeTimeoutMs`, `fetch`, `importLocalModel`), or `false` to skip it (workers
   * then resolve the Ollama host themselves). Default: `startLocalBackend` with the supervisor's environment.
   */
  localBackend?: false | Omit<StartLocalBackendOptions, 'config' | 'paths' | 'log'>;
  /**
   * The hardware monitor process (`hw-monitor-main.js`, the manual's hw_supervisor): `false` to run none,
   * or `{ entry }` to fork another script. Default: forked when `[fleet] hw_monitor` is true (the default),
   * respawned with the workers' backoff when it dies.
   */
  hwMonitor?: false | { entry?: string };
  /**
   * Environment of the worker and monitor processes (the supervisor adds its own variables), and where
   * `BIGED_OLLAMA_HOST` is looked up unless `localBackend.env` says otherwise. Default: `process.env`.
   */
  env?: NodeJS.ProcessEnv;
  /**
   * Process control requests on the `sup` channel (see `startSupervisorControlLoop`): `false` to read
   * none, or `{ pollMs }`. Default: read every 250 ms once the fleet is ready.
   */
  control?: false | { pollMs?: number };
  /**
   * The scheduler (issue 11): syncs `[[schedules]]` into the queue and fires due schedules every second
   * once the fleet is ready. `false`: none; or `{ tickMs, clock }`. Default: every 1000 ms, `Date.now`.
   */
  scheduler?: false | Pick<StartSchedulerOptions, 'tickMs' | 'clock' | 'graceMs'>;
}

/** A running supervisor. */
export interface Supervisor {
  /** Recovers tasks left RUNNING, forks every worker, resolves once all are ready. */
  start(): Promise<void>;
  /** Stops every worker (running tasks finish within the grace time or go back to PENDING). */
  stop(): Promise<void>;
  /** Current worker processes. */
  workers(): { name: string; role: string; pid: number | null; restarts: number }[];
  /** Runs stale-task recovery now (a failure is logged, not thrown). */
  recoverStale(): Promise<void>;
  /** Rewrites STATUS.md now (a failure is logged, not thrown). */
  writeStatus(): Promise<void>;
  /** The local model backend decided by `start()`, or undefined before that (or when disabled). */
  localBackend(): LocalBackend | undefined;
  /** The hardware monitor process, or undefined when the fleet runs none. */
  hwMonitor(): { pid: number | null; restarts: number } | undefined;
  /** Stop, start or restart workers while the supervisor keeps running (what control requests use). */
  workerControl(): WorkerControl;
  on<K extends keyof SupervisorEventMap>(event: K, listener: (...args: SupervisorEventMap[K]) => void): void;
}

interface WorkerSlot {
  agent: AgentSpec;
  child: ChildProcess | null;
  restarts: number;
  startedAt: number;
  respawnTimer: NodeJS.Timeout | null;
  ready: boolean;
  /** Held stopped by worker control: not respawned when it exits. */
  held: boolean;
  /** Its last exit's recovery failed; run it again before the respawn. */
  unrecovered?: boolean;
}

/** A built entry script of this package (src/ runs under vitest resolve to dist/). */
function builtEntry(name: string): string {
  const here = fileURLToPath(new URL(`./${name}`, import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL(`../dist/${name}`, import.meta.url));
}

/** Path of the worker entry inside the built package (src/ runs under vitest resolve to dist/). */
export function defaultWorkerEntry(): string {
  return builtEntry('worker-main.js');
}

/** Path of the hardware monitor entry inside the built package. */
export function defaultHwMonitorEntry(): string {
  return builtEntry('hw-monitor-main.js');
}

/** How long a stopping monitor gets before SIGKILL (its stop waits for Ollama calls in flight). */
const MONITOR_STOP_TIMEOUT_MS = 5_000;

/**
 * The process supervisor: one worker process per agent, respawned with exponential backoff when it dies.
 * A dead worker's RUNNING task goes back to PENDING as soon as its exit is seen (not after a heartbeat
 * timeout); stale-task recovery also runs at boot and periodically for workers lost some other way.
 */
export function createSupervisor(options: CreateSupervisorOptions): Supervisor {
  const { paths, config, queue, log } = options;
  if (!options.store && !queue) throw new TypeError('createSupervisor needs a queue or a store');
  const store = options.store ?? createSqliteStore(queue as TaskQueue);
  const device = deviceNameFromConfig(config);
  /** The agents table's `host`, as the workers register it. */
  const host = agentHostFromConfig(config);
  const agents = options.agents ?? resolveHostAgents(config, device);
  const workerEntry = options.workerEntry ?? defaultWorkerEntry();
  const backoff = options.respawnBackoffMs ?? { min: 500, max: 30_000 };
  const childEnv = options.env ?? process.env;
  const monitorEntry =
    options.hwMonitor === false || !config.fleet.hw_monitor
      ? undefined
      : (options.hwMonitor?.entry ?? defaultHwMonitorEntry());
  const monitor: {
    child: ChildProcess | null;
    restarts: number;
    startedAt: number;
    respawnTimer: NodeJS.Timeout | null;
  } = { child: null, restarts: 0, startedAt: 0, respawnTimer: null };
  const events = new EventEmitter();
  const slots = new Map<string, WorkerSlot>(
    agents.map((agent) => [
      agent.name,
      { agent, child: null, restarts: 0, startedAt: 0, respawnTimer: null, ready: false, held: false },
    ]),
  );
  const timers: NodeJS.Timeout[] = [];
  /** Recoveries after worker exits still talking to the store; stop() waits for them. */
  const pending = new Set<Promise<void>>();
  let stopping = false;
  // Set once start() has begun deciding the local backend; stop() waits for it and closes what it started.
  let backendStarting: Promise<LocalBackend | undefined> | undefined;
  let backend: LocalBackend | undefined;
  let readyWaiters: { resolve: () => void; reject: (error: Error) => void } | null = null;

  const emit = <K extends keyof SupervisorEventMap>(event: K, ...args: SupervisorEventMap[K]) =>
    events.emit(event, ...args);

  /** Exponential backoff; a process that stayed up for a minute starts over from the minimum. */
  const nextDelay = (slot: { restarts: number; startedAt: number }) => {
    if (Date.now() - slot.startedAt > 60_000) slot.restarts = 0;
    const delayMs = Math.min(backoff.max, backoff.min * 2 ** slot.restarts);
    slot.restarts += 1;
    return delayMs;
  };

  /** The variables every child gets on top of `childEnv`. */
  const fleetEnv = (): NodeJS.ProcessEnv => ({
    ...childEnv,
    // BIGED_OLLAMA_HOST (or the advice when no local backend answers), for respawned processes too.
    ...backend?.workerEnv,
    ...(backend ? { [LOCAL_BACKEND_KIND_ENV]: backend.state.kind } : {}),
    BIGED_HOME: paths.home,
  });

  /**
   * Forks the hardware monitor. It polls the GPU and Ollama and writes hw_state.json; it is no worker,
   * so it has no agent row and holds no tasks. Respawned with the workers' backoff when it dies.
   */
  const spawnMonitor = (entry: string) => {
    monitor.respawnTimer = null;
    // The monitor keeps the model of the backend the workers call warm: the decided URL, even when it
    // did not answer (the monitor then reports Ollama unreachable).
    const ollamaHost = backend?.state.url ?? childEnv[OLLAMA_HOST_ENV] ?? config.models.ollama_host;
    const child = fork(entry, [], {
      env: { ...fleetEnv(), [OLLAMA_HOST_ENV]: ollamaHost },
      execArgv: [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    monitor.child = child;
    monitor.startedAt = Date.now();
    const pid = child.pid ?? 0;
    child.on('message', (message: { type?: string }) => {
      if (message?.type === 'ready') {
        log.info('hardware monitor ready', { pid, ollamaHost });
        emit('monitor:started', { pid });
      }
    });
    child.on('error', (error) => log.error('hardware monitor process error', { error: error.message }));
    child.once('exit', (code, signal) => {
      monitor.child = null;
      log[stopping ? 'info' : 'warn']('hardware monitor exited', { pid, code, signal });
      emit('monitor:exited', { pid, code, signal });
      if (stopping) return;
      const delayMs = nextDelay(monitor);
      emit('monitor:respawn-scheduled', { delayMs, restarts: monitor.restarts });
      monitor.respawnTimer = setTimeout(() => {
        if (!stopping) spawnMonitor(entry);
      }, delayMs);
    });
  };

  const recoverAgent = async (name: string, reason: 'worker-exit' | 'boot') => {
    const { requeued, failed } = await store.requeueAgentTasks(name);
    if (requeued.length || failed.length) {
      log.warn('recovered tasks of a dead worker', { agent: name, requeued, failed, reason });
      emit('task:recovered', { agent: name, requeued, failed, reason });
    }
  };

  const checkAllReady = () => {
    if (readyWaiters && [...slots.values()].every((slot) => slot.ready)) {
      readyWaiters.resolve();
      readyWaiters = null;
    }
  };

  const spawn = (slot: WorkerSlot) => {
    slot.respawnTimer = null;
    slot.ready = false;
    const child = fork(workerEntry, [], {
      env: { ...fleetEnv(), BIGED_AGENT: slot.agent.name, BIGED_ROLE: slot.agent.role },
      execArgv: [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    slot.child = child;
    slot.startedAt = Date.now();
    const pid = child.pid ?? 0;
    store
      .registerAgent({ name: slot.agent.name, role: slot.agent.role, pid, host, status: 'STARTING' })
      .catch((error: unknown) =>
        log.warn('could not register the worker', { agent: slot.agent.name, error: toError(error).message }),
      );
    child.on('message', (message: { type?: string }) => {
      if (message?.type === 'ready') {
        slot.ready = true;
        log.info('worker ready', { agent: slot.agent.name, pid });
        emit('worker:started', { name: slot.agent.name, pid });
        checkAllReady();
      }
    });
    child.on('error', (error) =>
      log.error('worker process error', { agent: slot.agent.name, error: error.message }),
    );
    child.once('exit', (code, signal) => {
      slot.child = null;
      slot.ready = false;
      log[stopping ? 'info' : 'warn']('worker exited', { agent: slot.agent.name, pid, code, signal });
      emit('worker:exited', { name: slot.agent.name, pid, code, signal });
      // The worker is gone, so nothing can finish its task: return it to the queue right away. (If the
      // queue cannot be reached now, stale recovery returns them later.)
      const recovered = recoverAgent(slot.agent.name, 'worker-exit')
        .then(() => store.setAgentStatus(slot.agent.name, 'OFFLINE'))
        .then(
          () => {
            slot.unrecovered = false;
          },
          (error: unknown) => {
            // Retried before the respawn (and stale recovery returns them in any case).
            slot.unrecovered = true;
            log.error('recovery after worker exit failed', {
              agent: slot.agent.name,
              error: toError(error).message,
            });
          },
        );
      pending.add(recovered);
      void recovered.finally(() => pending.delete(recovered));
      if (stopping || slot.held) return;
      const delayMs = nextDelay(slot);
      emit('worker:respawn-scheduled', { name: slot.agent.name, delayMs, restarts: slot.restarts });
      slot.respawnTimer = setTimeout(() => {
        if (!stopping) {
          // The exit's recovery failed (the queue was unreachable): return the dead worker's tasks now.
          (slot.unrecovered ? recoverAgent(slot.agent.name, 'worker-exit') : Promise.resolve())
            .then(() => {
              slot.unrecovered = false;
            })
            .catch((error: unknown) =>
              log.warn('recovery before respawn failed; stale recovery will return the tasks', {
                agent: slot.agent.name,
                error: toError(error).message,
              }),
            )
            .then(() =>
              store.registerAgent({
                name: slot.agent.name,
                role: slot.agent.role,
                pid: null,
                host,
                status: 'STARTING',
                incrementRestarts: true,
              }),
            )
            .catch((error: unknown) =>
              log.warn('could not register the worker', {
                agent: slot.agent.name,
                error: toError(error).message,
              }),
            )
            .finally(() => {
              if (!stopping) spawn(slot);
            });
        }
      }, delayMs);
    });
  };

  const recoverStale = async (): Promise<void> => {
    try {
      const { requeued, failed } = await store.recoverStale({
        olderThanMs: config.fleet.stale_task_timeout_secs * 1000,
      });
      if (requeued.length || failed.length) {
        log.warn('recovered stale tasks', { requeued, failed });
        emit('task:recovered', { agent: '*', requeued, failed, reason: 'stale' });
      }
    } catch (error) {
      log.warn('stale recovery failed; it runs again on the next check', { error: toError(error).message });
    }
  };

  const hardwareLine = (now: Date): string =>
    monitorEntry
      ? describeHwState(readHwState(paths.hwState), {
          now: now.getTime(),
          pollIntervalMs: config.thermal.poll_interval_secs * 1000,
        })
      : config.fleet.hw_monitor
        ? 'monitor off (disabled by the caller)'
        : 'monitor off ([fleet] hw_monitor = false)';

  const writeStatus = async (): Promise<void> => {
    try {
      const generatedAt = new Date();
      const [agentRows, counts, locks] = await Promise.all([
        store.listAgents(),
        store.counts(),
        store.listLocks(),
      ]);
      writeStatusMarkdown(paths.status, {
        generatedAt,
        supervisorPid: process.pid,
        agents: agentRows,
        counts,
        ...(backend ? { localBackend: backend.describe() } : {}),
        hardware: hardwareLine(generatedAt),
        locks: locks.map((lock) => ({ name: lock.name, owner: lock.owner, expiresAt: lock.expiresAt })),
      });
    } catch (error) {
      log.warn('could not write STATUS.md', { error: toError(error).message });
    }
  };

  const workerControl = createWorkerControl({
    slots,
    spawn: (slot) => spawn(slot as WorkerSlot),
    killAfterMs: config.workers.shutdown_grace_secs * 1000 + 5_000,
    isStopping: () => stopping,
    log,
  });
  let controlLoop: SupervisorControlLoop | undefined;
  let scheduler: Scheduler | undefined;

  return {
    async start() {
      if (slots.size === 0) {
        throw new FleetError({
          code: 'FLEET_NO_WORKERS',
          message: 'no workers to start: every role is disabled or [workers] roles is empty',
          hint: 'check [workers] roles and [fleet] disabled_agents in fleet.toml',
        });
      }
      // No worker of ours is alive before we fork them, so anything they held is orphaned. (Only this
      // host's agents: on a shared queue, other hosts' names carry their own device name.)
      for (const name of slots.keys()) await recoverAgent(name, 'boot');
      await recoverStale();
      // Before any worker forks: they learn the backend's URL from their environment.
      if (options.localBackend !== false) {
        backendStarting = startLocalBackend({
          env: childEnv,
          ...options.localBackend,
          config,
          paths,
          log,
        }).catch((error: unknown) => {
          log.error('deciding the local model backend failed', { error: toError(error).message });
          return undefined;
        });
        backend = await backendStarting;
        // stop() ran meanwhile: it closes the backend; fork nothing.
        if (stopping) return;
      }
      // Before the workers, so that hw_state.json is likely there when they first look; start() does not
      // wait for it: a fleet runs (at the configured model, without thermal pauses) while it has none.
      if (monitorEntry) spawnMonitor(monitorEntry);
      const ready = new Promise<void>((resolve, reject) => {
        readyWaiters = { resolve, reject };
      });
      for (const slot of slots.values()) spawn(slot);
      const timeoutMs = options.readyTimeoutMs ?? 30_000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        ready,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            const waiting = [...slots.values()].filter((slot) => !slot.ready).map((slot) => slot.agent.name);
            reject(
              new FleetError({
                code: 'FLEET_START_TIMEOUT',
                message: `workers did not report ready within ${timeoutMs} ms: ${waiting.join(', ')}`,
                hint: `see ${paths.logs}/<agent>.log`,
              }),
            );
          }, timeoutMs);
        }),
      ]).finally(() => clearTimeout(timer));
      timers.push(
        setInterval(() => void recoverStale(), config.fleet.stale_check_interval_secs * 1000),
        setInterval(() => void writeStatus(), config.fleet.status_interval_secs * 1000),
      );
      for (const timer of timers) timer.unref();
      await writeStatus();
      if (options.control !== false && !stopping && queue)
        controlLoop = startSupervisorControlLoop({
          queue,
          control: workerControl,
          log,
          ...(options.control?.pollMs !== undefined ? { pollMs: options.control.pollMs } : {}),
        });
      if (options.scheduler !== false && !stopping && queue)
        scheduler = startScheduler({ queue, config, log, ...options.scheduler });
      log.info('fleet ready', { workers: slots.size });
    },

    async stop() {
      stopping = true;
      for (const timer of timers) clearInterval(timer);
      scheduler?.stop();
      await controlLoop?.stop();
      const graceMs = config.workers.shutdown_grace_secs * 1000;
      const exits: Promise<void>[] = [];
      if (monitor.respawnTimer) clearTimeout(monitor.respawnTimer);
      const monitorChild = monitor.child;
      if (monitorChild && monitorChild.exitCode === null && monitorChild.signalCode === null) {
        exits.push(
          new Promise<void>((resolve) => {
            monitorChild.once('exit', () => resolve());
            const kill = setTimeout(() => {
              log.warn('hardware monitor did not stop in time; killing it', { pid: monitorChild.pid });
              monitorChild.kill('SIGKILL');
            }, MONITOR_STOP_TIMEOUT_MS);
            kill.unref();
            monitorChild.once('exit', () => clearTimeout(kill));
          }),
        );
        monitorChild.kill('SIGTERM');
      }
      for (const slot of slots.values()) {
        if (slot.respawnTimer) clearTimeout(slot.respawnTimer);
        const child = slot.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) continue;
        exits.push(
          new Promise<void>((resolve) => {
            child.once('exit', () => resolve());
            const kill = setTimeout(() => {
              log.warn('worker did not stop in time; killing it', { agent: slot.agent.name, pid: child.pid });
              child.kill('SIGKILL');
            }, graceMs + 5_000);
            kill.unref();
            child.once('exit', () => clearTimeout(kill));
          }),
        );
        child.kill('SIGTERM');
      }
      // Each worker's exit handler returns its tasks and marks it OFFLINE.
      await Promise.all(exits);
      await Promise.all([...pending]);
      // After the workers: their last model calls have ended. Removes run/embedded-ollama.json.
      await (await backendStarting)?.close();
      await writeStatus();
      log.info('fleet stopped');
    },

    workers() {
      return [...slots.values()].map((slot) => ({
        name: slot.agent.name,
        role: slot.agent.role,
        pid: slot.child?.pid ?? null,
        restarts: slot.restarts,
      }));
    },
    recoverStale,
    writeStatus,
    localBackend: () => backend,
    hwMonitor: () =>
      monitorEntry ? { pid: monitor.child?.pid ?? null, restarts: monitor.restarts } : undefined,
    workerControl: () => workerControl,
    on(event, listener) {
      events.on(event, listener as (...args: unknown[]) => void);
    },
  };
}
