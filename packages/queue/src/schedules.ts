import { parsePayload } from '@biged/core';
import type { Statement } from 'better-sqlite3';
import type { Cron } from 'croner';
import { ScheduleError } from './errors/schedule-error';
import { getQueueConnection } from './queue-database';
import {
  compileCron,
  DEFAULT_SCHEDULE_GRACE_MS,
  planScheduleTick,
  type ScheduleCatchUp,
} from './schedules-due';
import type { TaskQueue } from './task-queue';

// NOTE: packages/queue/README.md ("Schedules") describes these tables and the tick; keep both in sync.

/** Schedule names: what `biged schedule add|remove` take. */
export const SCHEDULE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const SKILL_PATTERN = /^[a-z][a-z0-9_.-]*$/;

/** A schedule as `list` returns it. */
export interface Schedule {
  id: number;
  name: string;
  /** Cron expression (5 fields, or 6 with seconds first). */
  cron: string;
  /** IANA time zone, or null for UTC. */
  timezone: string | null;
  skill: string;
  payload: Record<string, unknown>;
  priority: number;
  catchUp: ScheduleCatchUp;
  enabled: boolean;
  /** `config`: from `[[schedules]]` in fleet.toml; `cli`: from `biged schedule add`. */
  source: 'config' | 'cli';
  /** The last due time enqueued or skipped (ISO 8601), or null. */
  lastDueAt: string | null;
  /** The next due time after `lastDueAt` (or after creation), ISO 8601, or null when there is none. */
  nextDueAt: string | null;
  /** ISO 8601. */
  createdAt: string;
}

/** What `add` and `sync` take for one schedule. */
export interface ScheduleDefinition {
  /** Unique name: letters, digits, `_ . -`, at most 100 characters. */
  name: string;
  cron: string;
  /** IANA time zone the cron is read in. Default UTC. */
  timezone?: string | null;
  skill: string;
  /** A JSON object (or its text). Default `{}`. */
  payload?: Record<string, unknown> | string;
  /** 1..10. Default 5. */
  priority?: number;
  /** Default `skip`. */
  catchUp?: ScheduleCatchUp;
  /** Default true. */
  enabled?: boolean;
}

/** What `sync` did. */
export interface ScheduleSyncResult {
  added: string[];
  updated: string[];
  removed: string[];
  /** Config entries not applied because a `cli` schedule holds the name. */
  conflicts: string[];
}

/** Options of `tick`. */
export interface ScheduleTickOptions {
  /** Who fires (recorded in `schedule_fires.fired_by`), e.g. `supervisor@host:pid`. */
  firedBy: string;
  /** Now (epoch ms). Default: the queue's clock. */
  now?: number;
  /** Due times older than this are missed and follow `catch_up`. Default 60000. */
  graceMs?: number;
}

/** One due time a tick enqueued. */
export interface ScheduleFire {
  schedule: string;
  /** Epoch ms. */
  dueAt: number;
  taskId: number;
}

/** What one `tick` did. */
export interface ScheduleTickResult {
  fired: ScheduleFire[];
  /** Schedules whose missed due times were passed over (`catch_up = "skip"`), with the latest one. */
  skipped: { schedule: string; through: number }[];
}

/** Options of `createScheduleStore`. */
export interface CreateScheduleStoreOptions {
  /** A queue made by `createQueue`; the store uses its connection. */
  queue: TaskQueue;
}

/** Recurring tasks on the queue's database (tables `schedules`, `schedule_fires`). */
export interface ScheduleStore {
  /** Adds a `cli` schedule. Throws `SCHEDULE_INVALID` or `SCHEDULE_EXISTS`; nothing is stored then. */
  add(definition: ScheduleDefinition): Schedule;
  /** Removes a `cli` schedule. Throws `SCHEDULE_NOT_FOUND`, or `SCHEDULE_READ_ONLY` for a `config` one. */
  remove(name: string): void;
  /** Every schedule, by name. */
  list(): Schedule[];
  /**
   * Makes the `config` schedules match `definitions` (fleet.toml's `[[schedules]]`): adds, updates (a
   * changed cron keeps `last_due_at`) and removes them in one transaction. Throws `SCHEDULE_INVALID` for
   * a bad entry before anything changes.
   */
  sync(definitions: readonly ScheduleDefinition[]): ScheduleSyncResult;
  /**
   * Fires what is due. For each enabled schedule, in one write transaction: reads `last_due_at`, plans
   * with `planScheduleTick`, and per due time inserts its `schedule_fires` row with `ON CONFLICT DO
   * NOTHING`; only when that inserted a row is the task enqueued (and its id recorded); then
   * `last_due_at` advances. Two schedulers on one database therefore enqueue each due time once.
   */
  tick(options: ScheduleTickOptions): ScheduleTickResult;
}

interface ScheduleRowRaw {
  id: number;
  name: string;
  cron: string;
  timezone: string | null;
  skill: string;
  payloadJson: string;
  priority: number;
  catchUp: ScheduleCatchUp;
  enabled: number;
  source: 'config' | 'cli';
  lastDueAt: number | null;
  createdAt: number;
}

const COLUMNS = `id, name, cron, timezone, skill, payload_json AS payloadJson, priority, catch_up AS catchUp,
  enabled, source, last_due_at AS lastDueAt, created_at AS createdAt`;

/** The statements of the store (exported for plan tests). */
export const SCHEDULE_SQL = {
  all: `SELECT ${COLUMNS} FROM schedules ORDER BY name`,
  enabled: `SELECT ${COLUMNS} FROM schedules WHERE enabled = 1 ORDER BY id`,
  byName: `SELECT ${COLUMNS} FROM schedules WHERE name = ?`,
  insert: `INSERT INTO schedules (name, cron, timezone, skill, payload_json, priority, catch_up, enabled,
      source, created_at)
    VALUES (@name, @cron, @timezone, @skill, @payloadJson, @priority, @catchUp, @enabled, @source, @now)`,
  update: `UPDATE schedules SET cron = @cron, timezone = @timezone, skill = @skill, payload_json = @payloadJson,
      priority = @priority, catch_up = @catchUp, enabled = @enabled WHERE name = @name`,
  remove: 'DELETE FROM schedules WHERE id = ?',
  /** The exactly-once guard: the primary key (schedule_id, due_at) lets one insert win. */
  insertFire: `INSERT INTO schedule_fires (schedule_id, due_at, task_id, fired_by, fired_at)
    VALUES (@scheduleId, @dueAt, NULL, @firedBy, @now) ON CONFLICT DO NOTHING`,
  setFireTask:
    'UPDATE schedule_fires SET task_id = @taskId WHERE schedule_id = @scheduleId AND due_at = @dueAt',
  advance: `UPDATE schedules SET last_due_at = max(coalesce(last_due_at, 0), @lastDueAt) WHERE id = @id`,
} as const;

const iso = (time: number | null): string | null => (time === null ? null : new Date(time).toISOString());

/**
 * The schedules of a queue. The fleet's supervisor syncs `[[schedules]]` and calls `tick` every second;
 * `biged schedule add|list|remove` manage the `cli` ones.
 */
export function createScheduleStore({ queue }: CreateScheduleStoreOptions): ScheduleStore {
  const { sqlite, retry, clock } = getQueueConnection(queue);
  const transaction = sqlite.transaction((body: () => unknown) => body());
  const write = <T>(body: () => T): T => retry(() => transaction.immediate(body) as T);
  const statements = Object.fromEntries(
    Object.entries(SCHEDULE_SQL).map(([key, text]) => [key, sqlite.prepare(text)]),
  ) as Record<keyof typeof SCHEDULE_SQL, Statement>;
  // Compiling a cron costs more than a tick's SQL: keep them by expression and zone.
  const compiled = new Map<string, Cron>();
  const cronOf = (row: { cron: string; timezone: string | null; name: string }): Cron => {
    const key = `${row.timezone ?? ''}\n${row.cron}`;
    let job = compiled.get(key);
    if (!job) {
      job = compileCron(row.cron, row.timezone, row.name);
      compiled.set(key, job);
    }
    return job;
  };

  const toSchedule = (row: ScheduleRowRaw): Schedule => {
    let next: number | null = null;
    try {
      next =
        cronOf(row)
          .nextRun(new Date(row.lastDueAt ?? row.createdAt))
          ?.getTime() ?? null;
    } catch {
      next = null;
    }
    return {
      id: row.id,
      name: row.name,
      cron: row.cron,
      timezone: row.timezone,
      skill: row.skill,
      payload: JSON.parse(row.payloadJson) as Record<string, unknown>,
      priority: row.priority,
      catchUp: row.catchUp,
      enabled: row.enabled === 1,
      source: row.source,
      lastDueAt: iso(row.lastDueAt),
      nextDueAt: iso(next),
      createdAt: iso(row.createdAt) as string,
    };
  };

  /** Checks one definition; returns the column values. */
  const prepare = (definition: ScheduleDefinition) => {
    const { name } = definition;
    const invalid = (field: string, message: string, hint?: string) =>
      new ScheduleError({
        code: 'SCHEDULE_INVALID',
        schedule: String(name),
        field,
        message: `schedule ${JSON.stringify(name)}: ${message}`,
        ...(hint ? { hint } : {}),
      });
    if (typeof name !== 'string' || !SCHEDULE_NAME_PATTERN.test(name)) {
      throw invalid(
        'name',
        'the name must be letters, digits, _ . - (at most 100, starting with a letter or digit)',
      );
    }
    if (typeof definition.cron !== 'string') throw invalid('cron', 'cron must be a string');
    const timezone = definition.timezone ?? null;
    compileCron(definition.cron, timezone, name);
    if (typeof definition.skill !== 'string' || !SKILL_PATTERN.test(definition.skill)) {
      throw invalid('skill', `invalid skill name ${JSON.stringify(definition.skill)}`);
    }
    const priority = definition.priority ?? 5;
    if (!Number.isInteger(priority) || priority < 1 || priority > 10) {
      throw invalid('priority', `priority must be a whole number from 1 to 10, got ${String(priority)}`);
    }
    const catchUp = definition.catchUp ?? 'skip';
    if (catchUp !== 'skip' && catchUp !== 'once') {
      throw invalid('catch_up', `catch_up must be "skip" or "once", got ${JSON.stringify(catchUp)}`);
    }
    let payload: Record<string, unknown>;
    try {
      payload = parsePayload(definition.payload ?? {}, { skill: definition.skill });
    } catch (error) {
      throw new ScheduleError({
        code: 'SCHEDULE_INVALID',
        schedule: name,
        field: 'payload',
        message: `schedule "${name}": payload: ${(error as Error).message}`,
        cause: error,
      });
    }
    return {
      name,
      cron: definition.cron.trim(),
      timezone,
      skill: definition.skill,
      payloadJson: JSON.stringify(payload),
      priority,
      catchUp,
      enabled: definition.enabled === false ? 0 : 1,
    };
  };

  return {
    add(definition) {
      const values = prepare(definition);
      const row = write(() => {
        if (statements.byName.get(values.name)) {
          throw new ScheduleError({
            code: 'SCHEDULE_EXISTS',
            schedule: values.name,
            message: `a schedule named "${values.name}" already exists`,
            hint: `remove it first with \`biged schedule remove ${values.name}\``,
          });
        }
        statements.insert.run({ ...values, source: 'cli', now: clock() });
        return statements.byName.get(values.name) as ScheduleRowRaw;
      });
      return toSchedule(row);
    },

    remove(name) {
      write(() => {
        const row = statements.byName.get(name) as ScheduleRowRaw | undefined;
        if (!row) {
          throw new ScheduleError({
            code: 'SCHEDULE_NOT_FOUND',
            schedule: name,
            message: `no schedule named "${name}"`,
            hint: 'list them with `biged schedule list`',
          });
        }
        if (row.source === 'config') {
          throw new ScheduleError({
            code: 'SCHEDULE_READ_ONLY',
            schedule: name,
            message: `schedule "${name}" comes from fleet.toml`,
            hint: 'remove its [[schedules]] entry from fleet.toml; the supervisor drops it on its next start',
          });
        }
        statements.remove.run(row.id);
      });
    },

    list() {
      return (retry(() => statements.all.all()) as ScheduleRowRaw[]).map(toSchedule);
    },

    sync(definitions) {
      const prepared = definitions.map(prepare);
      const names = new Set<string>();
      for (const values of prepared) {
        if (names.has(values.name)) {
          throw new ScheduleError({
            code: 'SCHEDULE_INVALID',
            schedule: values.name,
            field: 'name',
            message: `two [[schedules]] entries are named "${values.name}"`,
          });
        }
        names.add(values.name);
      }
      return write(() => {
        const result: ScheduleSyncResult = { added: [], updated: [], removed: [], conflicts: [] };
        const now = clock();
        for (const values of prepared) {
          const existing = statements.byName.get(values.name) as ScheduleRowRaw | undefined;
          if (!existing) {
            statements.insert.run({ ...values, source: 'config', now });
            result.added.push(values.name);
          } else if (existing.source === 'cli') {
            result.conflicts.push(values.name);
          } else if (
            existing.cron !== values.cron ||
            existing.timezone !== values.timezone ||
            existing.skill !== values.skill ||
            existing.payloadJson !== values.payloadJson ||
            existing.priority !== values.priority ||
            existing.catchUp !== values.catchUp ||
            existing.enabled !== values.enabled
          ) {
            statements.update.run(values);
            result.updated.push(values.name);
          }
        }
        for (const row of statements.all.all() as ScheduleRowRaw[]) {
          if (row.source === 'config' && !names.has(row.name)) {
            statements.remove.run(row.id);
            result.removed.push(row.name);
          }
        }
        return result;
      });
    },

    tick({ firedBy, now: at, graceMs = DEFAULT_SCHEDULE_GRACE_MS }) {
      const now = at ?? clock();
      // Most ticks find nothing due: decide that from a read, so an idle tick takes no write lock.
      const due = (row: ScheduleRowRaw): boolean => {
        try {
          const next = cronOf(row).nextRun(new Date(row.lastDueAt ?? row.createdAt));
          return next !== null && next.getTime() <= now;
        } catch {
          return false;
        }
      };
      if (!(retry(() => statements.enabled.all()) as ScheduleRowRaw[]).some(due))
        return { fired: [], skipped: [] };
      return write(() => {
        const result: ScheduleTickResult = { fired: [], skipped: [] };
        for (const row of statements.enabled.all() as ScheduleRowRaw[]) {
          let cron: Cron;
          try {
            cron = cronOf(row);
          } catch {
            continue; // validated on the way in; a row edited by hand to garbage is left alone
          }
          const plan = planScheduleTick({
            cron,
            catchUp: row.catchUp,
            after: row.lastDueAt ?? row.createdAt,
            now,
            graceMs,
          });
          if (plan.lastDueAt === undefined) continue;
          for (const dueAt of plan.fire) {
            if (statements.insertFire.run({ scheduleId: row.id, dueAt, firedBy, now }).changes !== 1)
              continue;
            // Nested in this transaction (a savepoint): the fire row and its task commit together.
            const task = queue.enqueue({
              skill: row.skill,
              payload: row.payloadJson,
              priority: row.priority,
            });
            statements.setFireTask.run({ scheduleId: row.id, dueAt, taskId: task.id });
            result.fired.push({ schedule: row.name, dueAt, taskId: task.id });
          }
          if (plan.skippedThrough !== undefined) {
            result.skipped.push({ schedule: row.name, through: plan.skippedThrough });
          }
          statements.advance.run({ id: row.id, lastDueAt: plan.lastDueAt });
        }
        return result;
      });
    },
  };
}
