import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@biged/core';
import { toError } from '@biged/core/startup';
import type { Message, TaskQueue } from '@biged/queue';
import { FleetError } from './errors/fleet-error';
import { isProcessAlive, readSupervisorState } from './supervisor-state';

/** The messaging channel control requests and replies travel on (notes, so every reader sees them). */
export const SUPERVISOR_CONTROL_CHANNEL = 'sup';

/** What a control request asks the supervisor to do. */
export type SupervisorControlAction = 'start' | 'stop' | 'restart';

/** A control request: a note on the `sup` channel. */
export interface SupervisorControlRequest {
  type: 'control';
  action: SupervisorControlAction;
  /** `restart` only: the worker (agent name) to restart. Default: every worker. */
  agent?: string;
  /** A unique id the reply repeats (1..100 characters of `A-Za-z0-9_-`). */
  request_id: string;
}

/** The supervisor's answer: a note on the `sup` channel naming the request. */
export interface SupervisorControlReply {
  type: 'control-reply';
  request_id: string;
  ok: boolean;
  message: string;
}

/** What a control call reports (the same shape as the dashboard's `FleetControlResult`). */
export interface SupervisorControlResult {
  /** True when the supervisor did what was asked. */
  ok: boolean;
  /** A short summary, e.g. `stopped 4 workers`. */
  message: string;
}

/** Worker-level control inside a running supervisor (`supervisor.workerControl()`). */
export interface WorkerControl {
  /**
   * Stops every worker process (SIGTERM; running tasks finish within `[workers] shutdown_grace_secs` or go
   * back to PENDING) and keeps them stopped, without respawns, until `startWorkers`. The supervisor keeps
   * running.
   */
  stopWorkers(): Promise<SupervisorControlResult>;
  /** Forks every worker that is not running (after `stopWorkers`, or one waiting for a respawn). */
  startWorkers(): SupervisorControlResult;
  /** Stops and forks again one worker by agent name, or every worker without one. `ok: false` for an unknown name. */
  restartWorkers(agent?: string): Promise<SupervisorControlResult>;
}

/** @internal The part of a supervisor's worker slot that worker control reads and writes. */
export interface ControlledSlot {
  agent: { name: string };
  child: ChildProcess | null;
  respawnTimer: NodeJS.Timeout | null;
  /** True while control holds the worker stopped: its exit handler must not respawn it. */
  held: boolean;
}

/** @internal Options of `createWorkerControl` (the supervisor passes its internals). */
export interface CreateWorkerControlOptions {
  slots: ReadonlyMap<string, ControlledSlot>;
  /** Forks the slot's worker (the supervisor's own spawn). */
  spawn(slot: ControlledSlot): void;
  /** How long a stopping worker gets before SIGKILL, ms (grace + 5 s, as in `stop()`). */
  killAfterMs: number;
  /** True once the supervisor itself is stopping: control then refuses. */
  isStopping(): boolean;
  log: Logger;
}

/** @internal Worker control over a supervisor's slots; `createSupervisor` builds it. */
export function createWorkerControl({
  slots,
  spawn,
  killAfterMs,
  isStopping,
  log,
}: CreateWorkerControlOptions): WorkerControl {
  const refused = (): SupervisorControlResult => ({ ok: false, message: 'the supervisor is stopping' });

  const alive = (child: ChildProcess | null): child is ChildProcess =>
    child !== null && child.exitCode === null && child.signalCode === null;

  /** Holds the slot, cancels a pending respawn and stops its process; true when one was running. */
  const halt = async (slot: ControlledSlot): Promise<boolean> => {
    slot.held = true;
    if (slot.respawnTimer) {
      clearTimeout(slot.respawnTimer);
      slot.respawnTimer = null;
    }
    const child = slot.child;
    if (!alive(child)) return false;
    await new Promise<void>((resolve) => {
      const kill = setTimeout(() => {
        log.warn('worker did not stop in time; killing it', { agent: slot.agent.name, pid: child.pid });
        child.kill('SIGKILL');
      }, killAfterMs);
      kill.unref();
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      child.kill('SIGTERM');
    });
    return true;
  };

  const resume = (slot: ControlledSlot): boolean => {
    slot.held = false;
    if (alive(slot.child)) return false;
    if (slot.respawnTimer) {
      clearTimeout(slot.respawnTimer);
      slot.respawnTimer = null;
    }
    spawn(slot);
    return true;
  };

  const plural = (count: number) => `${count} worker${count === 1 ? '' : 's'}`;

  return {
    async stopWorkers() {
      if (isStopping()) return refused();
      const stopped = await Promise.all([...slots.values()].map(halt));
      const count = stopped.filter(Boolean).length;
      log.info('workers stopped by a control request', { count });
      return {
        ok: true,
        message: count === 0 ? 'no worker was running' : `stopped ${plural(count)}`,
      };
    },

    startWorkers() {
      if (isStopping()) return refused();
      let count = 0;
      for (const slot of slots.values()) if (resume(slot)) count += 1;
      log.info('workers started by a control request', { count });
      return {
        ok: true,
        message: count === 0 ? 'every worker was already running' : `started ${plural(count)}`,
      };
    },

    async restartWorkers(agent) {
      if (isStopping()) return refused();
      const targets = agent === undefined ? [...slots.values()] : [slots.get(agent)].filter((s) => !!s);
      if (targets.length === 0)
        return { ok: false, message: `no worker named "${agent}" (known: ${[...slots.keys()].join(', ')})` };
      await Promise.all(targets.map(halt));
      if (isStopping()) return refused();
      for (const slot of targets) resume(slot);
      log.info('workers restarted by a control request', { agents: targets.map((s) => s.agent.name) });
      return {
        ok: true,
        message:
          agent === undefined ? `restarted ${plural(targets.length)}` : `restarted ${targets[0]!.agent.name}`,
      };
    },
  };
}

const REQUEST_ID = /^[A-Za-z0-9_-]{1,100}$/;
const AGENT = /^[a-z][a-z0-9_-]{0,63}$/;

/** Parses a note body as a control request; a string says why it is not a valid one. */
function parseRequest(body: Record<string, unknown>): SupervisorControlRequest | string {
  const { action, agent, request_id: requestId } = body;
  if (typeof requestId !== 'string' || !REQUEST_ID.test(requestId))
    return 'request_id must be 1..100 characters of A-Za-z0-9_-';
  if (action !== 'start' && action !== 'stop' && action !== 'restart')
    return 'action must be start, stop or restart';
  if (agent !== undefined && (action !== 'restart' || typeof agent !== 'string' || !AGENT.test(agent)))
    return 'agent must be an agent name, and only with restart';
  return { type: 'control', action, request_id: requestId, ...(agent !== undefined ? { agent } : {}) };
}

/** Options of `startSupervisorControlLoop`. */
export interface SupervisorControlLoopOptions {
  queue: TaskQueue;
  control: WorkerControl;
  log: Logger;
  /** Milliseconds between reads of the `sup` channel. Default 250. */
  pollMs?: number;
  /** Requests older than this (ms) when first seen are answered `ok: false` without acting. Default 60000. */
  maxAgeMs?: number;
}

/** A running control loop. */
export interface SupervisorControlLoop {
  /** Stops polling; resolves once a request being handled has been answered. */
  stop(): Promise<void>;
}

/**
 * The supervisor's side of process control: reads control requests (notes `{type: 'control', action,
 * agent?, request_id}` on the `sup` channel posted after it started), acts on them one at a time through
 * `control`, and answers each with a reply note `{type: 'control-reply', request_id, ok, message}`. A
 * malformed request that carries a usable `request_id` is answered `ok: false`; one without is ignored.
 */
export function startSupervisorControlLoop({
  queue,
  control,
  log,
  pollMs = 250,
  maxAgeMs = 60_000,
}: SupervisorControlLoopOptions): SupervisorControlLoop {
  let lastId = queue.notes(SUPERVISOR_CONTROL_CHANNEL, { limit: 1 }).at(-1)?.id ?? 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const reply = (requestId: string, ok: boolean, message: string) => {
    const body: SupervisorControlReply = { type: 'control-reply', request_id: requestId, ok, message };
    queue.postNote(SUPERVISOR_CONTROL_CHANNEL, { from: 'supervisor', body: { ...body } });
  };

  const handle = async (note: Message) => {
    if (note.body.type !== 'control') return;
    const request = parseRequest(note.body);
    if (typeof request === 'string') {
      const requestId = note.body.request_id;
      log.warn('malformed control request', { id: note.id, reason: request });
      if (typeof requestId === 'string' && REQUEST_ID.test(requestId)) reply(requestId, false, request);
      return;
    }
    if (Date.now() - Date.parse(note.createdAt) > maxAgeMs) {
      reply(request.request_id, false, 'request expired before the supervisor read it');
      return;
    }
    log.info('control request', { action: request.action, agent: request.agent, from: note.from });
    let result: SupervisorControlResult;
    try {
      result =
        request.action === 'stop'
          ? await control.stopWorkers()
          : request.action === 'start'
            ? control.startWorkers()
            : await control.restartWorkers(request.agent);
    } catch (error) {
      log.error('control request failed', { action: request.action, error: toError(error).message });
      result = { ok: false, message: `${request.action} failed: ${toError(error).message}` };
    }
    reply(request.request_id, result.ok, result.message);
  };

  const poll = async () => {
    try {
      for (;;) {
        const notes = queue.notes(SUPERVISOR_CONTROL_CHANNEL, { since: lastId, limit: 100 });
        for (const note of notes) {
          lastId = note.id;
          if (stopped) return;
          await handle(note);
        }
        if (notes.length < 100) break;
      }
    } catch (error) {
      log.warn('reading control requests failed', { error: toError(error).message });
    }
  };

  let running: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = poll().finally(schedule);
    }, pollMs);
    timer.unref();
  };
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** Options of `createSupervisorControlClient`. */
export interface SupervisorControlClientOptions {
  /** A queue on the fleet's DB (`createQueue({ file: paths.db })`). */
  queue: TaskQueue;
  /** The fleet home: `run/supervisor.json` tells whether a supervisor runs. */
  home: string;
  /** How long to wait for the reply, ms. Default 30000. */
  timeoutMs?: number;
  /** Milliseconds between reads of the reply channel. Default 50. */
  pollMs?: number;
  /** Sender name of the request notes. Default `dashboard`. */
  from?: string;
}

/** Process control over the supervisor; structurally the dashboard's `FleetControl`. */
export interface SupervisorControlClient {
  start(): Promise<SupervisorControlResult>;
  stop(): Promise<SupervisorControlResult>;
  restart(agent?: string): Promise<SupervisorControlResult>;
}

/**
 * The requesting side of process control: posts a control request on the `sup` channel and waits for the
 * supervisor's reply. Throws `FleetError` `FLEET_NOT_RUNNING` when no ready supervisor runs for `home`
 * (nothing is posted) and `FLEET_CONTROL_TIMEOUT` when no reply comes within `timeoutMs`. It never
 * signals a process itself.
 */
export function createSupervisorControlClient({
  queue,
  home,
  timeoutMs = 30_000,
  pollMs = 50,
  from = 'dashboard',
}: SupervisorControlClientOptions): SupervisorControlClient {
  const call = async (action: SupervisorControlAction, agent?: string): Promise<SupervisorControlResult> => {
    const state = readSupervisorState(home);
    if (!state || !isProcessAlive(state.pid))
      throw new FleetError({
        code: 'FLEET_NOT_RUNNING',
        message: 'fleet not running: no supervisor runs for this home',
        hint: 'start it with `biged up`',
      });
    if (!state.ready)
      throw new FleetError({
        code: 'FLEET_NOT_RUNNING',
        pid: state.pid,
        message: 'fleet not running yet: the supervisor is still starting its workers',
        hint: 'try again in a few seconds',
      });
    const request: SupervisorControlRequest = {
      type: 'control',
      action,
      request_id: randomUUID(),
      ...(agent !== undefined ? { agent } : {}),
    };
    let since = queue.postNote(SUPERVISOR_CONTROL_CHANNEL, { from, body: { ...request } }).id;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const note of queue.notes(SUPERVISOR_CONTROL_CHANNEL, { since, limit: 1000 })) {
        since = note.id;
        const body = note.body as Partial<SupervisorControlReply>;
        if (body.type === 'control-reply' && body.request_id === request.request_id)
          return { ok: body.ok === true, message: String(body.message ?? '') };
      }
      if (Date.now() >= deadline)
        throw new FleetError({
          code: 'FLEET_CONTROL_TIMEOUT',
          pid: state.pid,
          message: `the supervisor did not answer the ${action} request within ${timeoutMs} ms`,
          hint: 'see logs/supervisor.log; it may still act on the request',
        });
      await sleep(pollMs);
    }
  };
  return {
    start: () => call('start'),
    stop: () => call('stop'),
    restart: (agent) => call('restart', agent),
  };
}
