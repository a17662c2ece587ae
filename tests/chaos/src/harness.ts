// Shared scaffolding of the chaos scenarios: a temp fleet home, the built `biged up` in its own process
// group, seeded task batches, the exactly-once ledger (a trigger) and its checks.
import { type ChildProcess, spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createQueue } from '@biged/queue';
import Database from 'better-sqlite3';
import { expect } from 'vitest';

const require = createRequire(import.meta.url);

/** The folder `[skills] dirs` names: it holds `chaos-task.mjs` (the `chaos_task` skill). */
export const CHAOS_SKILLS_DIR = fileURLToPath(new URL('../fixtures/skills', import.meta.url));

/** The built `biged` binary (`turbo run build` first; `pnpm test:chaos` does). */
export function bigedBin(): string {
  const manifest = require.resolve('@biged/cli/package.json');
  const { bin } = JSON.parse(readFileSync(manifest, 'utf8')) as { bin: { biged: string } };
  const file = path.join(path.dirname(manifest), bin.biged);
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm build\` (or \`pnpm test:chaos\`)`);
  return file;
}

/**
 * The run's seed: `CHAOS_SEED` (an integer) when set, else a random one. Printed, so any run can be
 * repeated with `CHAOS_SEED=<seed>`.
 */
export function chaosSeed(scenario: string): number {
  const fromEnv = process.env.CHAOS_SEED;
  const base =
    fromEnv !== undefined && fromEnv !== ''
      ? Number.parseInt(fromEnv, 10)
      : Math.floor(Math.random() * 2 ** 31);
  if (!Number.isSafeInteger(base)) throw new Error(`CHAOS_SEED must be an integer, got ${fromEnv}`);
  // One stream per scenario, so running one scenario alone makes the same choices as in the full suite.
  let hash = base >>> 0;
  for (const char of scenario) hash = Math.imul(hash ^ char.charCodeAt(0), 0x9e3779b1) >>> 0;
  console.log(`[chaos] ${scenario}: CHAOS_SEED=${base} (stream ${hash})`);
  return hash;
}

/** A seeded PRNG (mulberry32): numbers in [0, 1). */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export const pick = (random: () => number, min: number, max: number) =>
  min + Math.floor(random() * (max - min + 1));

/** Options of {@link createChaosHome}. */
export interface ChaosHomeOptions {
  /** coder_1 .. coder_N worker processes. */
  workers: number;
  /** `[queue] max_attempts`. Default 3. */
  maxAttempts?: number;
  /** `[queue] url` (a PostgreSQL queue). Default none: `<home>/fleet.db`. */
  queueUrl?: string;
  /**
   * `[fleet] stale_task_timeout_secs` and `stale_check_interval_secs`. Default the fleet's (120 and 30).
   * Only where a scenario relies on stale recovery; never with a locked database, whose stall is longer.
   */
  stale?: { timeoutSecs: number; checkIntervalSecs: number };
}

/** A temp fleet home for one scenario. */
export interface ChaosHome {
  home: string;
  /** The SQLite queue file (`<home>/fleet.db`). */
  db: string;
  logs: string;
  /** Where the supervisor's stdout and stderr go (kept outside `logs`). */
  output: string;
  /** The agents' names on SQLite (`coder_N`); a PostgreSQL fleet qualifies them with the host (`coder_N@host`). */
  agents: string[];
  maxAttempts: number;
  cleanup(): void;
}

/**
 * A fleet home with fleet.toml for `workers` coders, no hardware monitor, short heartbeats and grace, and
 * the chaos skill's folder in `[skills] dirs`. The database is created (migrations) when it is SQLite.
 */
export function createChaosHome({ workers, maxAttempts = 3, queueUrl, stale }: ChaosHomeOptions): ChaosHome {
  const home = mkdtempSync(path.join(tmpdir(), 'biged-chaos-'));
  writeFileSync(
    path.join(home, 'fleet.toml'),
    [
      '[fleet]',
      'hw_monitor = false',
      'heartbeat_interval_secs = 1',
      'status_interval_secs = 5',
      ...(stale
        ? [
            `stale_task_timeout_secs = ${stale.timeoutSecs}`,
            `stale_check_interval_secs = ${stale.checkIntervalSecs}`,
          ]
        : []),
      '[workers]',
      'roles = ["coder"]',
      `coder_count = ${workers}`,
      'shutdown_grace_secs = 2',
      '[queue]',
      `max_attempts = ${maxAttempts}`,
      ...(queueUrl ? [`url = ${JSON.stringify(queueUrl)}`] : []),
      '[skills]',
      `dirs = [${JSON.stringify(CHAOS_SKILLS_DIR)}]`,
      '[logging]',
      'level = "info"',
      '',
    ].join('\n'),
  );
  const db = path.join(home, 'fleet.db');
  if (!queueUrl) createQueue({ file: db }).close();
  return {
    home,
    db,
    logs: path.join(home, 'logs'),
    output: path.join(home, 'supervisor.out'),
    agents: Array.from({ length: workers }, (_, index) => `coder_${index + 1}`),
    maxAttempts,
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** Polls `check` every `everyMs` until it returns a value other than undefined/false; throws after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | false,
  { timeoutMs, what, everyMs = 50 }: { timeoutMs: number; what: string; everyMs?: number },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** True when a process with this pid exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `run/supervisor.json`, or undefined while there is none (or it is being replaced). */
export function supervisorState(
  home: string,
): { pid: number; ready: boolean; workers: { name: string; pid: number | null }[] } | undefined {
  try {
    return JSON.parse(readFileSync(path.join(home, 'run', 'supervisor.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** A fleet started with `biged up --no-hw` in its own process group. */
export interface RunningFleet {
  /** The supervisor's pid (also its process group id). */
  pid: number;
  child: ChildProcess;
  /** Resolves with the exit code or signal once the supervisor process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The worker pids the supervisor reports now, by agent. */
  workerPids(): Map<string, number>;
  /** SIGTERM (graceful: tasks finish or go back), then waits for the exit. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL to the whole process group (supervisor and workers), then waits until none is left. */
  killGroup(): Promise<void>;
}

/** Every live pid of a process group (from /proc). */
function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid pgrp ...: comm may hold spaces, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return members;
}

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** Process groups of fleets started here and possibly still running. */
const liveGroups = new Set<number>();
let exitHookInstalled = false;

/**
 * Starts the fleet through the built CLI (`biged up --home <home> --no-hw`, foreground) as the leader of a
 * new process group, so the workers it forks share the group; resolves once `run/supervisor.json` says
 * ready with this pid.
 */
export async function startFleet(
  chaos: ChaosHome,
  { env }: { env?: NodeJS.ProcessEnv } = {},
): Promise<RunningFleet> {
  const out = openSync(chaos.output, 'a');
  const child = spawn(process.execPath, [bigedBin(), 'up', '--home', chaos.home, '--no-hw'], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, BIGED_HOME: '', ...env },
  });
  closeSync(out);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start biged up');
  liveGroups.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A test runner that exits (or fails) before a test's own cleanup must not leave a fleet behind.
    process.once('exit', () => {
      for (const group of liveGroups) killGroupNow(group);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  // The group may outlive its leader (workers stop on their own once the supervisor is gone).
  void exited.then(() => setTimeout(() => liveGroups.delete(pid), 15_000).unref());
  let exitedNow = false;
  void exited.then(() => {
    exitedNow = true;
  });
  try {
    await waitFor(
      () => {
        if (exitedNow) throw new Error(`biged up exited early:\n${tail(chaos.output)}`);
        const state = supervisorState(chaos.home);
        return state?.pid === pid && state.ready;
      },
      { timeoutMs: 60_000, what: 'the fleet to be ready' },
    );
  } catch (error) {
    killGroupNow(pid);
    throw error;
  }
  const fleet: RunningFleet = {
    pid,
    child,
    exited,
    workerPids() {
      const state = supervisorState(chaos.home);
      const pids = new Map<string, number>();
      if (state?.pid !== pid) return pids;
      for (const worker of state.workers) if (worker.pid) pids.set(worker.name, worker.pid);
      return pids;
    },
    async stop(timeoutMs = 30_000) {
      if (exitedNow) return;
      child.kill('SIGTERM');
      const timer = sleep(timeoutMs).then(() => 'timeout' as const);
      if ((await Promise.race([exited, timer])) === 'timeout') {
        killGroupNow(pid);
        throw new Error(`the fleet did not stop within ${timeoutMs} ms of SIGTERM`);
      }
    },
    async killGroup() {
      killGroupNow(pid);
      await exited;
      await waitFor(() => groupMembers(pid).length === 0, {
        timeoutMs: 10_000,
        what: `process group ${pid} to end`,
      });
    },
  };
  return fleet;
}

/** SIGKILL to a process group; no error when it is already gone. */
export function killGroupNow(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** The last lines of a file, for error messages. */
export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no output)';
  }
}

/** One enqueued chaos task. */
export interface ChaosTask {
  id: number;
  fail: boolean;
}

/**
 * Enqueues `count` `chaos_task` tasks: seeded sleeps of 0-20 ms, and `failRate` of them (by seeded draw)
 * flagged to always fail.
 */
export function enqueueChaosTasks(
  chaos: ChaosHome,
  { count, random, failRate = 0.02 }: { count: number; random: () => number; failRate?: number },
): ChaosTask[] {
  const queue = createQueue({ file: chaos.db });
  try {
    const tasks: ChaosTask[] = [];
    for (let n = 0; n < count; n++) {
      const fail = random() < failRate;
      const task = queue.enqueue({
        skill: 'chaos_task',
        payload: { n, sleep_ms: pick(random, 0, 20), fail },
      });
      tasks.push({ id: task.id, fail });
    }
    return tasks;
  } finally {
    queue.close();
  }
}

/**
 * The exactly-once ledger: a `chaos_transitions` table and an `AFTER UPDATE OF status` trigger that writes
 * one row for every update that sets a task DONE or FAILED, in the same transaction. A task finished twice
 * (or re-finished) shows up as two rows.
 */
export function installTransitionLedger(db: Database.Database): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS chaos_lock_marks (at INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS chaos_transitions (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      task_id INTEGER NOT NULL,
      old_status TEXT NOT NULL,
      new_status TEXT NOT NULL,
      attempts INTEGER NOT NULL
    );
    CREATE TRIGGER IF NOT EXISTS chaos_finished AFTER UPDATE OF status ON tasks
    WHEN NEW.status IN ('DONE', 'FAILED')
    BEGIN
      INSERT INTO chaos_transitions (task_id, old_status, new_status, attempts)
      VALUES (NEW.id, OLD.status, NEW.status, NEW.attempts);
    END;
  `);
}

/** Opens the fleet database for the test's own reads (and the ledger), waiting up to 10 s on a lock. */
export function openLedgerDb(chaos: ChaosHome): Database.Database {
  return new Database(chaos.db, { timeout: 10_000 });
}

/** Rows in the ledger. */
export function transitionCount(db: Database.Database): number {
  return (db.prepare('SELECT count(*) AS n FROM chaos_transitions').get() as { n: number }).n;
}

/** Tasks not yet DONE or FAILED. */
export function unfinishedCount(db: Database.Database): number {
  return (
    db.prepare("SELECT count(*) AS n FROM tasks WHERE status NOT IN ('DONE', 'FAILED')").get() as {
      n: number;
    }
  ).n;
}

/** What the final database says, for the exactly-once assertions. */
export interface LedgerReport {
  tasks: number;
  byStatus: Record<string, number>;
  /** Task ids with no ledger row, or more than one. */
  missing: number[];
  duplicated: { taskId: number; rows: number }[];
  /** Ledger rows whose new status is not the task's final status. */
  mismatched: number[];
  /** DONE tasks whose result.attempt is not the row's attempts. */
  doneAttemptMismatch: { id: number; attempts: number; resultAttempt: unknown }[];
  /** FAILED tasks whose attempts are not max_attempts. */
  failedAttemptMismatch: { id: number; attempts: number; maxAttempts: number }[];
  /** Tasks flagged to fail that ended DONE. */
  flaggedDone: number[];
  /** Unflagged tasks that ended FAILED, with why (only recovery after max attempts may do that). */
  unflaggedFailed: { id: number; error: string | null }[];
  /** DONE tasks that needed more than one attempt (the kills hit them). */
  retriedDone: number;
}

/** A task row as the checks read it (same columns on SQLite and PostgreSQL). */
export interface FinalTaskRow {
  id: number;
  status: string;
  attempts: number;
  maxAttempts: number;
  result: string | null;
  error: string | null;
}

/** One ledger row: a task set DONE or FAILED. */
export interface LedgerRow {
  taskId: number;
  status: string;
}

/** The SQL both dialects answer for {@link ledgerReport}. */
export const FINAL_TASKS_SQL =
  'SELECT id, status, attempts, max_attempts AS "maxAttempts", result_json AS result, error FROM tasks';
export const LEDGER_SQL = 'SELECT task_id AS "taskId", new_status AS status FROM chaos_transitions';

/** Reads the final state of every task and the ledger from the SQLite queue. */
export function readSqliteLedger(db: Database.Database): { rows: FinalTaskRow[]; ledger: LedgerRow[] } {
  return {
    rows: db.prepare(FINAL_TASKS_SQL).all() as FinalTaskRow[],
    ledger: db.prepare(LEDGER_SQL).all() as LedgerRow[],
  };
}

/** Checks the final state of every task against the ledger. */
export function ledgerReport(
  { rows, ledger }: { rows: FinalTaskRow[]; ledger: LedgerRow[] },
  tasks: ChaosTask[],
): LedgerReport {
  const ledgerRows = new Map<number, string[]>();
  for (const row of ledger) ledgerRows.set(row.taskId, [...(ledgerRows.get(row.taskId) ?? []), row.status]);
  const flagged = new Set(tasks.filter((task) => task.fail).map((task) => task.id));
  const report: LedgerReport = {
    tasks: rows.length,
    byStatus: {},
    missing: [],
    duplicated: [],
    mismatched: [],
    doneAttemptMismatch: [],
    failedAttemptMismatch: [],
    flaggedDone: [],
    unflaggedFailed: [],
    retriedDone: 0,
  };
  for (const row of rows) {
    report.byStatus[row.status] = (report.byStatus[row.status] ?? 0) + 1;
    const seen = ledgerRows.get(row.id) ?? [];
    if (seen.length === 0) report.missing.push(row.id);
    if (seen.length > 1) report.duplicated.push({ taskId: row.id, rows: seen.length });
    if (seen.length === 1 && seen[0] !== row.status) report.mismatched.push(row.id);
    if (row.status === 'DONE') {
      const resultAttempt =
        row.result === null ? undefined : (JSON.parse(row.result) as { attempt?: unknown }).attempt;
      if (resultAttempt !== row.attempts)
        report.doneAttemptMismatch.push({ id: row.id, attempts: row.attempts, resultAttempt });
      if (flagged.has(row.id)) report.flaggedDone.push(row.id);
      if (row.attempts > 1) report.retriedDone += 1;
    }
    if (row.status === 'FAILED') {
      if (row.attempts !== row.maxAttempts)
        report.failedAttemptMismatch.push({
          id: row.id,
          attempts: row.attempts,
          maxAttempts: row.maxAttempts,
        });
      if (!flagged.has(row.id)) report.unflaggedFailed.push({ id: row.id, error: row.error });
    }
  }
  // Ledger rows for ids that are not tasks at all would be a bug in the ledger itself.
  const ids = new Set(rows.map((row) => row.id));
  for (const taskId of ledgerRows.keys()) if (!ids.has(taskId)) report.mismatched.push(taskId);
  return report;
}

/**
 * Errors the recovery paths record on a task they fail after its last attempt (`requeueAgentTasks`: the
 * worker died holding it; `recoverStale`: its heartbeat stopped). An unflagged task may end FAILED only
 * with one of these: each kill that caught it (claimed, even if never started) used one attempt.
 */
export const RECOVERY_FAILURES = [
  'worker died; max attempts reached',
  'heartbeat timed out; max attempts reached',
];

/**
 * The exactly-once assertions every scenario makes: `total` tasks, each DONE or FAILED with exactly one
 * ledger row of that status; DONE results name the attempt the row counts; FAILED tasks used
 * max_attempts; tasks flagged to fail never ended DONE; an unflagged task ended FAILED only through
 * recovery, and only where the scenario lets recovery run (`recovery`: processes die, or connections are
 * cut so that stale recovery may return a task a live worker still held); without it no task ran twice.
 */
export function expectEveryTaskEndedOnce(
  report: LedgerReport,
  { total, recovery }: { total: number; recovery: boolean },
) {
  expect(report.tasks).toBe(total);
  expect((report.byStatus.DONE ?? 0) + (report.byStatus.FAILED ?? 0), JSON.stringify(report.byStatus)).toBe(
    total,
  );
  expect(report.byStatus.DONE ?? 0).toBeGreaterThan(0);
  expect(report.missing).toEqual([]);
  expect(report.duplicated).toEqual([]);
  expect(report.mismatched).toEqual([]);
  expect(report.doneAttemptMismatch).toEqual([]);
  expect(report.failedAttemptMismatch).toEqual([]);
  expect(report.flaggedDone).toEqual([]);
  if (recovery) {
    for (const failure of report.unflaggedFailed) expect(RECOVERY_FAILURES).toContain(failure.error);
  } else {
    expect(report.unflaggedFailed).toEqual([]);
    expect(report.retriedDone, 'a DONE task ran more than once though nothing was recovered').toBe(0);
  }
}

/** Milliseconds since `started`, rounded, for the per-scenario timing lines. */
export const since = (started: number) => Math.round(performance.now() - started);
