import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import type { Agent, TaskStatus } from '@biged/core/startup';
import { TASK_STATUSES } from '@biged/core/startup';
import Database from 'better-sqlite3';
import { QueueError } from './errors/queue-error';
import { appliedMigrationMillis, shippedMigrationMillis } from './migrations-folder';
import { type AgentListRow, agentFromListRow, countsFromRows, READ_SQL } from './read-sql';
import type { FleetPause } from './task-queue';
import {
  toWorkflowRun,
  WORKFLOW_SQL,
  type WorkflowRun,
  type WorkflowRunRow,
  type WorkflowStepRow,
} from './workflow-run';

// `@biged/queue/read`: a few reads of an existing, current queue file over a plain better-sqlite3
// connection, without Drizzle or the write paths, for commands that must start fast (`biged status`).
// It never creates, migrates or repairs anything: when the file is missing, is not SQLite, is behind the
// shipped migrations or cannot be read, `openQueueReader` returns undefined and the caller uses
// `createQueue`, which does all of that and reports its errors.

/** Options for `openQueueReader`. */
export interface OpenQueueReaderOptions {
  /** The queue's SQLite file (as `createQueue`'s `file`). `:memory:` and '' are not read (undefined). */
  file: string;
  /** How long a read waits on a lock held by a writer, in ms. Default 10000 (as `createQueue`). */
  busyTimeoutMs?: number;
}

/** Read-only views of a queue; the same values `createQueue` returns for the same calls. */
export interface QueueReader {
  /** The SQLite file read. */
  readonly file: string;
  /** Tasks per status, every status present (as `TaskQueue.counts`). */
  counts(): Record<TaskStatus, number>;
  /** Every agent, by name, BUSY/IDLE derived from its RUNNING tasks (as `TaskQueue.listAgents`). */
  listAgents(): Agent[];
  /**
   * The runs whose steps are still open, newest first, at most `limit` (default 20): what
   * `createWorkflowStore(...).listRuns({ status: 'RUNNING', limit })` returns, except that a run found
   * ended is left for the store to record (nothing is written).
   */
  listRunningWorkflowRuns(limit?: number): WorkflowRun[];
  /** The fleet-wide pause flag (as `TaskQueue.fleetPause`). */
  fleetPause(): FleetPause;
  /** Closes the connection. */
  close(): void;
}

const SQLITE_HEADER = 'SQLite format 3\0';
/** As `listRuns`. */
const MAX_LIST_LIMIT = 1000;

const isSqliteFile = (file: string): boolean => {
  const header = Buffer.alloc(SQLITE_HEADER.length);
  let descriptor: number | undefined;
  try {
    descriptor = openSync(file, 'r');
    return (
      readSync(descriptor, header, 0, header.length, 0) === header.length &&
      header.toString('latin1') === SQLITE_HEADER
    );
  } catch {
    return false;
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
};

/**
 * Opens `file` for the reads of `QueueReader`, or returns undefined when it cannot be read as a current
 * queue as it is (missing, empty, not SQLite, older schema, or SQLite refuses it): then use `createQueue`.
 *
 * ```ts
 * const reader = openQueueReader({ file });
 * const counts = reader ? reader.counts() : createQueue({ file }).counts();
 * reader?.close();
 * ```
 */
export function openQueueReader({
  file,
  busyTimeoutMs = 10_000,
}: OpenQueueReaderOptions): QueueReader | undefined {
  if (file === '' || file === ':memory:' || !existsSync(file) || !isSqliteFile(file)) return undefined;
  let sqlite: Database.Database;
  try {
    sqlite = new Database(file, { fileMustExist: true, timeout: busyTimeoutMs });
  } catch {
    return undefined;
  }
  try {
    if (appliedMigrationMillis(sqlite) < shippedMigrationMillis()) {
      sqlite.close();
      return undefined;
    }
  } catch {
    sqlite.close();
    return undefined;
  }
  // One read transaction per call, so that the values of a call come from one snapshot.
  const read = <T>(body: () => T): T => sqlite.transaction(body).deferred();
  return {
    file,
    counts() {
      const rows = read(() => sqlite.prepare(READ_SQL.counts).all()) as {
        status: TaskStatus;
        count: number;
      }[];
      return countsFromRows(TASK_STATUSES, rows);
    },
    listAgents() {
      return (read(() => sqlite.prepare(READ_SQL.listAgents).all()) as AgentListRow[]).map(agentFromListRow);
    },
    listRunningWorkflowRuns(limit = 20) {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
        throw new QueueError({
          code: 'QUEUE_INVALID_ARGUMENT',
          message: `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}, got ${limit}`,
        });
      }
      const steps = sqlite.prepare(WORKFLOW_SQL.steps);
      return read(() =>
        (sqlite.prepare(WORKFLOW_SQL.runningRuns).all() as WorkflowRunRow[]).map((row) =>
          toWorkflowRun(row, steps.all(row.id) as WorkflowStepRow[], Date.now),
        ),
      )
        .filter((run) => run.status === 'RUNNING')
        .slice(0, limit);
    },
    fleetPause() {
      const row = read(() =>
        sqlite
          .prepare("SELECT set_by AS setBy, set_at AS setAt FROM fleet_flags WHERE name = 'paused'")
          .get(),
      ) as { setBy: string; setAt: number } | undefined;
      return row
        ? { paused: true, by: row.setBy, since: new Date(row.setAt).toISOString() }
        : { paused: false, by: null, since: null };
    },
    close() {
      sqlite.close();
    },
  };
}
