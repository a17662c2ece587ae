import { execFile } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { freemem, totalmem } from 'node:os';
import path from 'node:path';
import type { FleetPaths } from '@biged/core';
import { defineSkill, type SkillContext, z } from '@biged/skill-sdk';
import Database from 'better-sqlite3';

// NOTE: packages/skills/README.md ("memory_optimizer") describes these actions; keep both in sync.
// The queue tables are reached with plain SQL (skills may not import @biged/queue): the `messages` insert
// mirrors the queue's `sendMessage` (packages/queue/src/messages.ts) and the RUNNING count reads `tasks`.

/** The actions of `memory_optimizer` (the manual's memory_optimizer.py). */
export const MEMORY_OPTIMIZER_ACTIONS = ['audit', 'optimize', 'compact', 'monitor'] as const;

/** One of `MEMORY_OPTIMIZER_ACTIONS`. */
export type MemoryOptimizerAction = (typeof MEMORY_OPTIMIZER_ACTIONS)[number];

/** The sender of the `{ "type": "gc" }` messages `optimize` sends to the workers. */
export const MEMORY_OPTIMIZER_SENDER = 'memory_optimizer';

/** How long one Ollama call may take, ms. */
const OLLAMA_TIMEOUT_MS = 5000;
/** `ps` may take this long per process, ms. */
const PS_TIMEOUT_MS = 2000;
/** How long SQLite waits for a lock held by a worker before giving up, ms. */
const DB_BUSY_TIMEOUT_MS = 5000;

const positive = z.number().positive().finite();

const payloadSchema = z.strictObject({
  /** What to do. Default `audit`. */
  action: z.enum(MEMORY_OPTIMIZER_ACTIONS).default('audit'),
  /** `optimize`: report what would be done, do nothing. Default false. */
  dry_run: z.boolean().default(false),
  /** `optimize`: Ollama models never unloaded besides the tier model and the conductor. Default `[]`. */
  keep: z.array(z.string().min(1).max(200)).max(64).default([]),
  /** `compact`: also VACUUM fleet.db (only when no other task is RUNNING). Default false. */
  vacuum: z.boolean().default(false),
  /** The Ollama API. Default: hw_state.json's host, else `BIGED_OLLAMA_HOST`, else `[models] ollama_host`. */
  ollama_host: z.string().url().max(500).optional(),
  /** `monitor` thresholds. */
  thresholds: z
    .strictObject({
      /** One fleet process over this RSS, MiB. Default 2048. */
      process_rss_mb: positive.default(2048),
      /** All fleet processes together over this RSS, MiB. Default 8192. */
      total_rss_mb: positive.default(8192),
      /** fleet.db's write-ahead log over this size, MiB. Default 64. */
      wal_mb: positive.default(64),
      /** Machine RAM in use over this share, percent. Default 90. */
      ram_used_percent: z.number().min(1).max(100).default(90),
    })
    .prefault({}),
});

/** The `memory_optimizer` payload, after defaults. */
export type MemoryOptimizerPayload = z.output<typeof payloadSchema>;

/** One fleet process and its resident memory. */
export interface FleetProcessMemory {
  /** `supervisor`, `hw_supervisor` or the worker's agent name. */
  name: string;
  pid: number;
  /** Resident set size, MiB (one decimal); null when the process is gone or unreadable. */
  rssMb: number | null;
}

/** A model Ollama has loaded (`/api/ps`). */
export interface LoadedOllamaModel {
  name: string;
  sizeMb: number | null;
  vramMb: number | null;
  expiresAt: string | null;
}

/** Sizes of the queue database files, bytes (0 for a missing file). */
export interface DatabaseFileSizes {
  db: number;
  wal: number;
  shm: number;
}

/** What `audit` finds (also part of every other action's result). */
export interface MemoryAudit {
  processes: FleetProcessMemory[];
  /** Sum of the readable RSS values, MiB. */
  totalRssMb: number;
  ollama: {
    host: string;
    reachable: boolean;
    error: string | null;
    models: LoadedOllamaModel[];
    /** Loaded models that are neither the tier model, the conductor nor in `keep`. */
    idle: string[];
  };
  /** The hardware monitor's tier model (hw_state.json), else `[models] local`. */
  tierModel: string;
  conductorModel: string;
  database: { file: string; sizes: DatabaseFileSizes | null };
  /** This process's V8 heap (`process.memoryUsage()`), MiB: the GC statistics of the manual's audit. */
  heap: { usedMb: number; totalMb: number };
  /** Machine RAM: hw_state.json's figures, else the OS's. */
  ram: { usedMb: number; totalMb: number };
  /** Things that could not be read (a missing supervisor.json, an unreadable database). */
  notes: string[];
}

/** What `optimize` did (or, with `dry_run`, would do). */
export interface MemoryOptimizeOutcome {
  dryRun: boolean;
  unloaded: string[];
  unloadFailed: { model: string; error: string }[];
  /** Agents sent `{ "type": "gc" }`. */
  gcRequested: string[];
}

/** What `compact` did. */
export interface MemoryCompactOutcome {
  /** Other tasks RUNNING when it looked (the optimizer's own task excluded). */
  runningTasks: number;
  /** TRUNCATE when nothing else ran, PASSIVE (never waits on a writer) otherwise. */
  checkpoint: { mode: 'TRUNCATE' | 'PASSIVE'; busy: boolean; walPages: number; checkpointed: number };
  vacuumed: boolean;
  /** Why VACUUM did not run although asked for. */
  vacuumSkipped: string | null;
  before: DatabaseFileSizes;
  after: DatabaseFileSizes;
}

/** One threshold crossed in `monitor`. */
export interface MemoryAlert {
  kind: 'process_rss' | 'total_rss' | 'wal_size' | 'ram' | 'ollama_unreachable';
  message: string;
  value: number | null;
  threshold: number | null;
}

/** What `memory_optimizer` returns. */
export interface MemoryOptimizerResult {
  action: MemoryOptimizerAction;
  audit: MemoryAudit;
  optimize?: MemoryOptimizeOutcome;
  /** Absent when there is no queue database (see `audit.notes`). */
  compact?: MemoryCompactOutcome;
  /** `monitor` only: every threshold crossed (empty: all clear). */
  alerts?: MemoryAlert[];
}

/** Options for `createMemoryOptimizerSkill` (tests and hosts; the built-in skill uses the defaults). */
export interface CreateMemoryOptimizerSkillOptions {
  /** The fetch for Ollama calls. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Resident memory of a process in KiB, or null when it is gone. Default: `/proc/<pid>/status` on Linux, `ps` elsewhere. */
  readRssKb?: (pid: number) => Promise<number | null>;
  /** Environment (`BIGED_OLLAMA_HOST`). Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Ollama names: lower case, `:latest` when untagged (as `@biged/hw-monitor`'s `normalizeModelName`). */
function normalizeModelName(name: string): string {
  const lower = name.trim().toLowerCase();
  const slash = lower.lastIndexOf('/');
  return lower.slice(slash + 1).includes(':') ? lower : `${lower}:latest`;
}

/** RSS from /proc/<pid>/status (Linux) or `ps -o rss=` (elsewhere), KiB; null when the process is gone. */
export async function readProcessRssKb(pid: number): Promise<number | null> {
  if (process.platform === 'linux') {
    try {
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      // A zombie has no VmRSS line: nothing resident.
      return match ? Number(match[1]) : 0;
    } catch {
      return null;
    }
  }
  return new Promise((resolve) => {
    execFile('ps', ['-o', 'rss=', '-p', String(pid)], { timeout: PS_TIMEOUT_MS }, (error, stdout) => {
      const value = Number.parseInt(String(stdout).trim(), 10);
      resolve(error || !Number.isFinite(value) ? null : value);
    });
  });
}

/** A JSON file as an object, or undefined (missing, unreadable, not JSON). */
function readJson(file: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const validPid = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0;

/** The supervisor, its workers (run/supervisor.json) and the hardware monitor (hw_state.json's pid). */
function fleetProcesses(paths: FleetPaths, notes: string[]): { name: string; pid: number }[] {
  const found: { name: string; pid: number }[] = [];
  const supervisor = readJson(path.join(paths.run, 'supervisor.json'));
  if (!supervisor) notes.push('no readable run/supervisor.json: is the fleet running?');
  else {
    if (validPid(supervisor.pid)) found.push({ name: 'supervisor', pid: supervisor.pid });
    const workers = Array.isArray(supervisor.workers) ? supervisor.workers : [];
    for (const worker of workers as { name?: unknown; pid?: unknown }[]) {
      if (typeof worker?.name === 'string' && validPid(worker.pid)) {
        found.push({ name: worker.name, pid: worker.pid });
      }
    }
  }
  const hwState = readJson(paths.hwState);
  if (hwState && validPid(hwState.pid)) found.push({ name: 'hw_supervisor', pid: hwState.pid });
  return found;
}

const fileSize = (file: string) => {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
};
const databaseSizes = (file: string): DatabaseFileSizes => ({
  db: fileSize(file),
  wal: fileSize(`${file}-wal`),
  shm: fileSize(`${file}-shm`),
});

/** The Ollama API answer of `/api/ps`, tolerant of missing fields. */
interface PsBody {
  models?: { name?: unknown; model?: unknown; size?: unknown; size_vram?: unknown; expires_at?: unknown }[];
}

const numberOrNull = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/**
 * Creates the `memory_optimizer` skill (the manual's memory_optimizer.py): finds and reclaims memory across
 * the fleet, and never kills or interrupts a task.
 *
 * - `audit`: RSS of every fleet process (pids from run/supervisor.json and hw_state.json), the models Ollama
 *   has loaded (`/api/ps`) and which of them are idle, fleet.db and its WAL sizes, this worker's V8 heap.
 * - `optimize`: unloads the idle Ollama models (`/api/generate` with `keep_alive: 0`; the tier model, the
 *   conductor and `keep` stay) and sends each live worker `{ "type": "gc" }`, on which a worker calls
 *   `global.gc` when Node was started with `--expose-gc`. `dry_run` only reports.
 * - `compact`: `PRAGMA wal_checkpoint(TRUNCATE)` and, with `vacuum`, VACUUM of fleet.db, only while no other
 *   task is RUNNING; otherwise a PASSIVE checkpoint, which never waits on a writer, and no VACUUM.
 * - `monitor`: one audit checked against `thresholds`; the alerts are returned and logged as warnings.
 *
 * Unreachable Ollama, a missing supervisor.json or database are reported in the result, not thrown.
 */
export function createMemoryOptimizerSkill(options: CreateMemoryOptimizerSkillOptions = {}) {
  const readRssKb = options.readRssKb ?? readProcessRssKb;
  const fetchOf = () => options.fetch ?? globalThis.fetch;
  const env = () => options.env ?? process.env;

  const ollamaCall = async (
    host: string,
    route: string,
    init: RequestInit,
    signal: AbortSignal,
  ): Promise<unknown> => {
    const response = await fetchOf()(new URL(route, host), {
      ...init,
      signal: AbortSignal.any([signal, AbortSignal.timeout(OLLAMA_TIMEOUT_MS)]),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`Ollama answered ${response.status} on ${route}: ${text.slice(0, 200)}`);
    return text ? JSON.parse(text) : {};
  };

  async function audit(payload: MemoryOptimizerPayload, context: SkillContext): Promise<MemoryAudit> {
    const { paths, config, signal } = context;
    const notes: string[] = [];
    const processes: FleetProcessMemory[] = [];
    for (const item of fleetProcesses(paths, notes)) {
      const kb = await readRssKb(item.pid);
      processes.push({ ...item, rssMb: kb === null ? null : Math.round((kb / 1024) * 10) / 10 });
    }
    const hwState = readJson(paths.hwState) as
      | {
          model?: unknown;
          conductor?: { model?: unknown };
          ollama?: { host?: unknown };
          thermal?: { ram_used_mb?: unknown; ram_total_mb?: unknown };
        }
      | undefined;
    const tierModel = typeof hwState?.model === 'string' ? hwState.model : config.models.local;
    const conductorModel =
      typeof hwState?.conductor?.model === 'string' ? hwState.conductor.model : config.models.conductor_model;
    const host =
      payload.ollama_host ??
      (typeof hwState?.ollama?.host === 'string' ? hwState.ollama.host : undefined) ??
      env().BIGED_OLLAMA_HOST ??
      config.models.ollama_host;
    const keep = new Set([tierModel, conductorModel, ...payload.keep].map(normalizeModelName));
    const ollama: MemoryAudit['ollama'] = { host, reachable: false, error: null, models: [], idle: [] };
    try {
      const body = (await ollamaCall(host, '/api/ps', { method: 'GET' }, signal)) as PsBody;
      ollama.reachable = true;
      for (const model of Array.isArray(body.models) ? body.models : []) {
        const name = typeof model.name === 'string' ? model.name : model.model;
        if (typeof name !== 'string') continue;
        const size = numberOrNull(model.size);
        const vram = numberOrNull(model.size_vram);
        ollama.models.push({
          name,
          sizeMb: size === null ? null : mib(size),
          vramMb: vram === null ? null : mib(vram),
          expiresAt: typeof model.expires_at === 'string' ? model.expires_at : null,
        });
        if (!keep.has(normalizeModelName(name))) ollama.idle.push(name);
      }
    } catch (error) {
      signal.throwIfAborted();
      ollama.error = messageOf(error);
    }
    const sizes = statSafe(paths.db) ? databaseSizes(paths.db) : null;
    if (!sizes) notes.push(`no queue database at ${paths.db}`);
    const memory = process.memoryUsage();
    const ramUsed = numberOrNull(hwState?.thermal?.ram_used_mb);
    const ramTotal = numberOrNull(hwState?.thermal?.ram_total_mb);
    return {
      processes,
      totalRssMb: Math.round(processes.reduce((sum, item) => sum + (item.rssMb ?? 0), 0) * 10) / 10,
      ollama,
      tierModel,
      conductorModel,
      database: { file: paths.db, sizes },
      heap: { usedMb: mib(memory.heapUsed), totalMb: mib(memory.heapTotal) },
      ram:
        ramUsed !== null && ramTotal !== null && ramTotal > 0
          ? { usedMb: ramUsed, totalMb: ramTotal }
          : { usedMb: mib(totalmem() - freemem()), totalMb: mib(totalmem()) },
      notes,
    };
  }

  async function optimize(
    payload: MemoryOptimizerPayload,
    context: SkillContext,
    found: MemoryAudit,
  ): Promise<MemoryOptimizeOutcome> {
    const outcome: MemoryOptimizeOutcome = {
      dryRun: payload.dry_run,
      unloaded: [],
      unloadFailed: [],
      gcRequested: [],
    };
    const workers = found.processes.filter(
      (item) => item.name !== 'supervisor' && item.name !== 'hw_supervisor' && item.rssMb !== null,
    );
    if (payload.dry_run) {
      outcome.unloaded = [...found.ollama.idle];
      outcome.gcRequested = workers.map((item) => item.name);
      return outcome;
    }
    for (const model of found.ollama.idle) {
      try {
        await ollamaCall(
          found.ollama.host,
          '/api/generate',
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ model, keep_alive: 0 }),
          },
          context.signal,
        );
        outcome.unloaded.push(model);
      } catch (error) {
        context.signal.throwIfAborted();
        outcome.unloadFailed.push({ model, error: messageOf(error) });
      }
    }
    if (workers.length > 0 && found.database.sizes) {
      const db = openDatabase(context.paths.db);
      try {
        // Mirrors the queue's sendMessage (direct message on the `agent` channel).
        const insert = db.prepare(
          `INSERT INTO messages (kind, channel, sender, recipient, body, created_at)
           VALUES ('direct', 'agent', @sender, @recipient, @body, @now)`,
        );
        const now = Date.now();
        db.transaction(() => {
          for (const worker of workers) {
            insert.run({
              sender: MEMORY_OPTIMIZER_SENDER,
              recipient: worker.name,
              body: JSON.stringify({ type: 'gc' }),
              now,
            });
            outcome.gcRequested.push(worker.name);
          }
        })();
      } finally {
        db.close();
      }
    }
    return outcome;
  }

  function compact(payload: MemoryOptimizerPayload, context: SkillContext): MemoryCompactOutcome {
    const file = context.paths.db;
    const before = databaseSizes(file);
    const db = openDatabase(file);
    try {
      const { running } = db
        .prepare(`SELECT count(*) AS running FROM tasks WHERE status = 'RUNNING' AND id != ?`)
        .get(context.task.id) as { running: number };
      const idle = running === 0;
      let vacuumSkipped: string | null = null;
      if (payload.vacuum && !idle)
        vacuumSkipped = `${running} other task(s) RUNNING: VACUUM would block them`;
      // VACUUM first: in WAL mode it writes the rebuilt file through the WAL, which the checkpoint then empties.
      if (payload.vacuum && idle) db.exec('VACUUM');
      const mode = idle ? 'TRUNCATE' : 'PASSIVE';
      const [row] = db.pragma(`wal_checkpoint(${mode})`) as {
        busy: number;
        log: number;
        checkpointed: number;
      }[];
      return {
        runningTasks: running,
        checkpoint: {
          mode,
          busy: row?.busy === 1,
          walPages: row?.log ?? 0,
          checkpointed: row?.checkpointed ?? 0,
        },
        vacuumed: payload.vacuum && idle,
        vacuumSkipped,
        before,
        after: databaseSizes(file),
      };
    } finally {
      db.close();
    }
  }

  function alertsOf(payload: MemoryOptimizerPayload, found: MemoryAudit): MemoryAlert[] {
    const limits = payload.thresholds;
    const alerts: MemoryAlert[] = [];
    for (const item of found.processes) {
      if (item.rssMb !== null && item.rssMb > limits.process_rss_mb) {
        alerts.push({
          kind: 'process_rss',
          message: `${item.name} (pid ${item.pid}) uses ${item.rssMb} MiB, over ${limits.process_rss_mb} MiB`,
          value: item.rssMb,
          threshold: limits.process_rss_mb,
        });
      }
    }
    if (found.totalRssMb > limits.total_rss_mb) {
      alerts.push({
        kind: 'total_rss',
        message: `the fleet's processes use ${found.totalRssMb} MiB together, over ${limits.total_rss_mb} MiB`,
        value: found.totalRssMb,
        threshold: limits.total_rss_mb,
      });
    }
    const walMb = found.database.sizes ? mib(found.database.sizes.wal) : 0;
    if (walMb > limits.wal_mb) {
      alerts.push({
        kind: 'wal_size',
        message: `fleet.db's WAL is ${walMb} MiB, over ${limits.wal_mb} MiB: run the compact action`,
        value: walMb,
        threshold: limits.wal_mb,
      });
    }
    const ramPercent = Math.round((found.ram.usedMb / found.ram.totalMb) * 1000) / 10;
    if (ramPercent > limits.ram_used_percent) {
      alerts.push({
        kind: 'ram',
        message: `RAM ${ramPercent}% in use, over ${limits.ram_used_percent}%`,
        value: ramPercent,
        threshold: limits.ram_used_percent,
      });
    }
    if (!found.ollama.reachable) {
      alerts.push({
        kind: 'ollama_unreachable',
        message: `Ollama at ${found.ollama.host} did not answer: ${found.ollama.error ?? 'no answer'}`,
        value: null,
        threshold: null,
      });
    }
    return alerts;
  }

  return defineSkill({
    name: 'memory_optimizer',
    description:
      'Finds and reclaims memory across the fleet: audit (RSS per process, loaded Ollama models, fleet.db sizes), optimize (unload idle models, ask workers to GC), compact (WAL checkpoint, optional VACUUM when idle), monitor (audit plus alerts). Never interrupts a task.',
    payload: payloadSchema,
    roles: ['ops'],
    timeoutMs: 120_000,
    run: async (payload, context): Promise<MemoryOptimizerResult> => {
      const found = await audit(payload, context);
      const result: MemoryOptimizerResult = { action: payload.action, audit: found };
      if (payload.action === 'optimize') result.optimize = await optimize(payload, context, found);
      // Without a database there is nothing to compact; the audit's notes say so.
      if (payload.action === 'compact' && found.database.sizes) result.compact = compact(payload, context);
      if (payload.action === 'monitor') {
        result.alerts = alertsOf(payload, found);
        for (const alert of result.alerts) context.log.warn(`memory_optimizer: ${alert.message}`);
      }
      return result;
    },
  });
}

const statSafe = (file: string) => fileSize(file) > 0;

/** fleet.db with a busy timeout, so a worker's short write makes us wait instead of failing. */
function openDatabase(file: string): Database.Database {
  const db = new Database(file, { fileMustExist: true });
  db.pragma(`busy_timeout = ${DB_BUSY_TIMEOUT_MS}`);
  return db;
}

/** The built-in `memory_optimizer` skill (default options). */
export const memoryOptimizer = createMemoryOptimizerSkill();
