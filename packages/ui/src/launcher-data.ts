import { readFileSync } from 'node:fs';
import type { Agent, FleetPaths, Task, TaskStatus } from '@biged/core';
// Types only from @biged/queue: its values (Drizzle and the write paths) load after the first frame.
import type { AnswerHitlResult, HitlAnswerStatus, HitlRequest, TaskQueue, UsageLedger } from '@biged/queue';
import { LauncherError } from './errors/launcher-error';
import { renderTaskGraph, type TaskGraph } from './task-graph';

/** What the Fleet tab shows. */
export interface FleetView {
  agents: Agent[];
  counts: Record<TaskStatus, number>;
}

/** One skill's spend in the Usage tab. */
export interface UsageRowView {
  skill: string;
  calls: number;
  costUsd: number;
}

/** What the Usage tab shows: today's cost per skill and the cost per hour of the last 24 hours. */
export interface UsageView {
  rows: UsageRowView[];
  totalUsd: number;
  totalCalls: number;
  /** Cost per hour, oldest first; the last entry is the current hour. */
  hourly: number[];
}

/** What the Thermal tab shows: hw_state.json as the hardware monitor wrote it, or why there is none. */
export type ThermalView = { found: true; state: Record<string, unknown> } | { found: false; reason: string };

/** Options of `createLauncherData`. */
export interface CreateLauncherDataOptions {
  /** The fleet's queue (the launcher does not close it). */
  queue: TaskQueue;
  /**
   * The usage ledger over the same queue, for `usage()`. Default: `createUsageLedger({ queue })` from
   * `@biged/queue`, imported without waiting (this module loads no @biged/queue code before its first
   * frame); until that import settles, a moment, `usage()` throws a `LauncherError` (`UI_QUEUE_OPENING`).
   */
  ledger?: Pick<UsageLedger, 'usageSummary'>;
  /** The fleet home's paths (hw_state.json is read from `paths.hwState`). */
  paths: Pick<FleetPaths, 'hwState'>;
  /** Clock in epoch ms. Default `Date.now`. */
  now?: () => number;
}

/**
 * The launcher's reads and writes, each one small and bounded so it can run on the UI thread: queue calls
 * are synchronous better-sqlite3 statements on indexed columns with a `limit`, and each tab polls only its
 * own data while it is shown. See the README ("Threads") for why this is not a worker thread.
 */
export interface LauncherData {
  /** Agents and task counts. */
  fleet(): FleetView;
  /** The newest tasks, at most `limit` (default 15). */
  tasks(limit?: number): Task[];
  /** One task, or undefined. */
  task(id: number): Task | undefined;
  /** Queues a task from a skill name and JSON payload text (priority 5); throws the queue's error when refused. */
  submit(skill: string, payloadText: string): Task;
  /** The dependency graph around a task (see `renderTaskGraph`). */
  graph(taskId: number): TaskGraph;
  /** Today's (UTC) spend per skill and the last 24 hours by hour. */
  usage(): UsageView;
  /** hw_state.json. */
  thermal(): ThermalView;
  /** Open HITL requests (at most 50), pinned ones first, then oldest first. */
  hitl(): HitlRequest[];
  /** Answers a HITL request as `ui` (the queue's `answerHitl`); throws the queue's error when refused. */
  answerHitl(requestId: number, status: HitlAnswerStatus, response: string): AnswerHitlResult;
  /** Pins or unpins a HITL request. */
  pinHitl(requestId: number, pinned: boolean): HitlRequest;
}

const HOUR = 3_600_000;

/** Builds the launcher's data access over an open queue. */
export function createLauncherData(options: CreateLauncherDataOptions): LauncherData {
  const { queue, paths } = options;
  const now = options.now ?? Date.now;
  let ledger = options.ledger;
  let ledgerFailure: unknown;
  if (!ledger) {
    import('@biged/queue').then(
      ({ createUsageLedger }) => {
        ledger = createUsageLedger({ queue });
      },
      (error: unknown) => {
        ledgerFailure = error;
      },
    );
  }
  return {
    fleet: () => ({ agents: queue.listAgents(), counts: queue.counts() }),
    tasks: (limit = 15) => queue.list({ limit }),
    task: (id) => queue.get(id),
    submit(skill, payloadText) {
      return queue.submit({ skill: skill.trim(), payload: payloadText.trim() === '' ? '{}' : payloadText })
        .task;
    },
    graph: (taskId) => renderTaskGraph({ queue, taskId }),
    usage() {
      if (!ledger) {
        if (ledgerFailure !== undefined) throw ledgerFailure;
        throw new LauncherError({
          code: 'UI_QUEUE_OPENING',
          message: 'the queue is still opening; try again in a moment',
        });
      }
      const at = now();
      const summary = ledger.usageSummary({ period: 'day', groupBy: 'skill', now: at });
      const currentHour = Math.floor(at / HOUR) * HOUR;
      const hourly: number[] = [];
      for (let hour = 23; hour >= 0; hour -= 1) {
        const from = currentHour - hour * HOUR;
        hourly.push(ledger.usageSummary({ from, to: from + HOUR, groupBy: 'skill' }).totals.costUsd);
      }
      return {
        rows: summary.rows
          .map((row) => ({ skill: row.key, calls: row.calls, costUsd: row.costUsd }))
          .sort((a, b) => b.costUsd - a.costUsd || b.calls - a.calls),
        totalUsd: summary.totals.costUsd,
        totalCalls: summary.totals.calls,
        hourly,
      };
    },
    thermal: () => readThermal(paths),
    hitl: () =>
      queue
        .listHitl({ status: 'open', limit: 50 })
        .sort((a, b) => Number(b.pinned) - Number(a.pinned) || a.id - b.id),
    answerHitl: (requestId, status, response) =>
      queue.answerHitl(requestId, {
        status,
        responder: 'ui',
        ...(response.trim() === '' ? {} : { response: response.trim() }),
      }),
    pinHitl: (requestId, pinned) => queue.setHitlPinned(requestId, pinned),
  };
}

/** Today's usage view with nothing booked: no rows, zero totals, 24 empty hours. */
export function emptyUsageView(): UsageView {
  return { rows: [], totalUsd: 0, totalCalls: 0, hourly: Array(24).fill(0) };
}

/** hw_state.json as the Thermal tab shows it, or why there is none. */
export function readThermal(paths: Pick<FleetPaths, 'hwState'>): ThermalView {
  let text: string;
  try {
    text = readFileSync(paths.hwState, 'utf8');
  } catch {
    return { found: false, reason: `no ${paths.hwState}: the hardware monitor is not running` };
  }
  try {
    const state = JSON.parse(text) as unknown;
    if (state === null || typeof state !== 'object' || Array.isArray(state)) {
      return { found: false, reason: `${paths.hwState} does not hold a JSON object` };
    }
    return { found: true, state: state as Record<string, unknown> };
  } catch {
    return { found: false, reason: `${paths.hwState} is not valid JSON (being written?)` };
  }
}
