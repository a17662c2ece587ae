import { type ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  type AgentSpec,
  type FleetConfig,
  type FleetPaths,
  type Logger,
  resolveAgents,
  toError,
} from '@biged/core';
import type { TaskQueue } from '@biged/queue';
import { FleetError } from './errors/fleet-error';
import { writeStatusMarkdown } from './status-file';

/** Events the supervisor emits (`noun:verb`). */
export interface SupervisorEventMap {
  'worker:started': [{ name: string; pid: number }];
  'worker:exited': [{ name: string; pid: number; code: number | null; signal: NodeJS.Signals | null }];
  'worker:respawn-scheduled': [{ name: string; delayMs: number; restarts: number }];
  'task:recovered': [
    { agent: string; requeued: number[]; failed: number[]; reason: 'worker-exit' | 'stale' | 'boot' },
  ];
}

/** Options for `createSupervisor`. */
export interface CreateSupervisorOptions {
  paths: FleetPaths;
  config: FleetConfig;
  queue: TaskQueue;
  log: Logger;
  /** The agents to run. Default: `resolveAgents(config)`. */
  agents?: AgentSpec[];
  /** Script forked for each worker. Default: this package's worker-main.js. */
  workerEntry?: string;
  /** Respawn backoff bounds in ms. Default 500 .. 30 000. */
  respawnBackoffMs?: { min: number; max: number };
  /** How long `start()` waits for every worker to report ready. Default 30 s. */
  readyTimeoutMs?: number;
}

/** A running supervisor. */
export interface Supervisor {
  /** Recovers tasks left RUNNING, forks every worker, resolves once all are ready. */
  start(): Promise<void>;
  /** Stops every worker (running tasks finish within the grace time or go back to PENDING). */
  stop(): Promise<void>;
  /** Current worker processes. */
  workers(): { name: string; role: string; pid: number | null; restarts: number }[];
  /** Runs stale-task recovery now. */
  recoverStale(): void;
  /** Rewrites STATUS.md now. */
  writeStatus(): void;
  on<K extends keyof SupervisorEventMap>(event: K, listener: (...args: SupervisorEventMap[K]) => void): void;
}

interface WorkerSlot {
  agent: AgentSpec;
  child: ChildProcess | null;
  restarts: number;
  startedAt: number;
  respawnTimer: NodeJS.Timeout | null;
  ready: boolean;
}

/** Path of the worker entry inside the built package (src/ runs under vitest resolve to dist/). */
export function defaultWorkerEntry(): string {
  const here = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  if (existsSync(here)) return here;
  return fileURLToPath(new URL('../dist/worker-main.js', import.meta.url));
}

/**
 * The process supervisor: one worker process per agent, respawned with exponential backoff when it dies.
 * A dead worker's RUNNING task goes back to PENDING as soon as its exit is seen (not after a heartbeat
 * timeout); stale-task recovery also runs at boot and periodically for workers lost some other way.
 */
export function createSupervisor(options: CreateSupervisorOptions): Supervisor {
  const { paths, config, queue, log } = options;
  const agents = options.agents ?? resolveAgents(config);
  const workerEntry = options.workerEntry ?? defaultWorkerEntry();
  const backoff = options.respawnBackoffMs ?? { min: 500, max: 30_000 };
  const events = new EventEmitter();
  const slots = new Map<string, WorkerSlot>(
    agents.map((agent) => [
      agent.name,
      { agent, child: null, restarts: 0, startedAt: 0, respawnTimer: null, ready: false },
    ]),
  );
  const timers: NodeJS.Timeout[] = [];
  let stopping = false;
  let readyWaiters: { resolve: () => void; reject: (error: Error) => void } | null = null;

  const emit = <K extends keyof SupervisorEventMap>(event: K, ...args: SupervisorEventMap[K]) =>
    events.emit(event, ...args);

  const recoverAgent = (name: string, reason: 'worker-exit' | 'boot') => {
    const { requeued, failed } = queue.requeueAgentTasks(name);
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
      env: {
        ...process.env,
        BIGED_HOME: paths.home,
        BIGED_AGENT: slot.agent.name,
        BIGED_ROLE: slot.agent.role,
      },
      execArgv: [],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    slot.child = child;
    slot.startedAt = Date.now();
    const pid = child.pid ?? 0;
    queue.registerAgent({
      name: slot.agent.name,
      role: slot.agent.role,
      pid,
      host: hostname(),
      status: 'STARTING',
    });
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
      // The worker is gone, so nothing can finish its task: return it to the queue right away.
      try {
        recoverAgent(slot.agent.name, 'worker-exit');
        queue.setAgentStatus(slot.agent.name, 'OFFLINE');
      } catch (error) {
        log.error('recovery after worker exit failed', {
          agent: slot.agent.name,
          error: toError(error).message,
        });
      }
      if (stopping) return;
      // Exponential backoff; a worker that stayed up for a minute starts over from the minimum.
      if (Date.now() - slot.startedAt > 60_000) slot.restarts = 0;
      const delayMs = Math.min(backoff.max, backoff.min * 2 ** slot.restarts);
      slot.restarts += 1;
      emit('worker:respawn-scheduled', { name: slot.agent.name, delayMs, restarts: slot.restarts });
      slot.respawnTimer = setTimeout(() => {
        if (!stopping) {
          queue.registerAgent({
            name: slot.agent.name,
            role: slot.agent.role,
            pid: null,
            host: hostname(),
            status: 'STARTING',
            incrementRestarts: true,
          });
          spawn(slot);
        }
      }, delayMs);
    });
  };

  const recoverStale = () => {
    const { requeued, failed } = queue.recoverStale({
      olderThanMs: config.fleet.stale_task_timeout_secs * 1000,
    });
    if (requeued.length || failed.length) {
      log.warn('recovered stale tasks', { requeued, failed });
      emit('task:recovered', { agent: '*', requeued, failed, reason: 'stale' });
    }
  };

  const writeStatus = () => {
    try {
      writeStatusMarkdown(paths.status, {
        generatedAt: new Date(),
        supervisorPid: process.pid,
        agents: queue.listAgents(),
        counts: queue.counts(),
        locks: queue
          .listLocks()
          .map((lock) => ({ name: lock.name, owner: lock.owner, expiresAt: lock.expiresAt })),
      });
    } catch (error) {
      log.warn('could not write STATUS.md', { error: toError(error).message });
    }
  };

  return {
    async start() {
      if (slots.size === 0) {
        throw new FleetError({
          code: 'FLEET_NO_WORKERS',
          message: 'no workers to start: every role is disabled or [workers] roles is empty',
          hint: 'check [workers] roles and [fleet] disabled_agents in fleet.toml',
        });
      }
      // No worker of ours is alive before we fork them, so anything they held is orphaned.
      for (const name of slots.keys()) recoverAgent(name, 'boot');
      recoverStale();
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
        setInterval(recoverStale, config.fleet.stale_check_interval_secs * 1000),
        setInterval(writeStatus, config.fleet.status_interval_secs * 1000),
      );
      for (const timer of timers) timer.unref();
      writeStatus();
      log.info('fleet ready', { workers: slots.size });
    },

    async stop() {
      stopping = true;
      for (const timer of timers) clearInterval(timer);
      const graceMs = config.workers.shutdown_grace_secs * 1000;
      const exits: Promise<void>[] = [];
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
      // Each worker's exit handler has already returned its tasks and marked it OFFLINE.
      await Promise.all(exits);
      writeStatus();
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
    on(event, listener) {
      events.on(event, listener as (...args: unknown[]) => void);
    },
  };
}
