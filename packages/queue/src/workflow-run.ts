import type { TaskStatus } from '@biged/core/startup';
import { OPEN_STATUSES } from './dependency-sql';

// The workflow statements and the run/step row mapping, without the store's write paths: shared by
// `createWorkflowStore` and the drizzle-free `openQueueReader` (`@biged/queue/read`).
// NOTE: packages/queue/README.md ("Workflows") describes these tables, statements and the run status rule.

/** A run's status: RUNNING while any step task is open, then DONE, FAILED or CANCELLED. */
export type WorkflowRunStatus = 'RUNNING' | 'DONE' | 'FAILED' | 'CANCELLED';

/** One step of a run, as `getRun` reports it. */
export interface WorkflowRunStep {
  /** The step's name in the workflow file. */
  name: string;
  /** Its task's status. */
  status: TaskStatus;
  /** The task that carries it out. */
  task_id: number;
  /** Its task's error (why it failed or was skipped), or null. */
  error: string | null;
}

/** A workflow run with its steps. */
export interface WorkflowRun {
  /** The run id. */
  run: number;
  /** The workflow's name. */
  name: string;
  status: WorkflowRunStatus;
  /** The variables it runs with (defaults merged with `--var`). */
  vars: Record<string, unknown>;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601, or null while RUNNING. */
  finishedAt: string | null;
  /** Its steps, in file order. */
  steps: WorkflowRunStep[];
}

/** A `workflow_runs` row as `WORKFLOW_SQL` selects it. */
export interface WorkflowRunRow {
  id: number;
  name: string;
  status: WorkflowRunStatus;
  varsJson: string;
  createdAt: number;
  finishedAt: number | null;
}

/** A step row as `WORKFLOW_SQL.steps` selects it (with its task's status and error). */
export interface WorkflowStepRow {
  name: string;
  taskId: number;
  status: TaskStatus;
  error: string | null;
}

const RUN_COLUMNS = `id, name, status, vars_json AS varsJson, created_at AS createdAt, finished_at AS finishedAt`;

/** The statements of the store (exported for plan tests). */
export const WORKFLOW_SQL = {
  insertRun: `INSERT INTO workflow_runs (name, status, vars_json, definition_json, created_at)
    VALUES (@name, 'RUNNING', @varsJson, @definitionJson, @now) RETURNING ${RUN_COLUMNS}`,
  insertStep: `INSERT INTO workflow_steps (run_id, name, task_id, condition_json)
    VALUES (@runId, @name, @taskId, @conditionJson)`,
  run: `SELECT ${RUN_COLUMNS} FROM workflow_runs WHERE id = ?`,
  /** Steps of a run in file order (rowid order of insertion), each task by primary key. */
  steps: `SELECT s.name AS name, s.task_id AS taskId, t.status AS status, t.error AS error
    FROM workflow_steps AS s JOIN tasks AS t ON t.id = s.task_id WHERE s.run_id = ? ORDER BY s.rowid`,
  runs: `SELECT ${RUN_COLUMNS} FROM workflow_runs ORDER BY id DESC LIMIT ?`,
  /** Ended runs are few per status compared with tasks; no index (a scan of workflow_runs). */
  runsByStatus: `SELECT ${RUN_COLUMNS} FROM workflow_runs WHERE status = ? ORDER BY id DESC LIMIT ?`,
  cancelRun: `UPDATE workflow_runs SET status = 'CANCELLED', finished_at = @now WHERE id = @id AND status = 'RUNNING'`,
  runningRuns: `SELECT ${RUN_COLUMNS} FROM workflow_runs WHERE status = 'RUNNING' ORDER BY id DESC`,
  finishRun: `UPDATE workflow_runs SET status = @status, finished_at = @now
    WHERE id = @id AND status = 'RUNNING'`,
  /** By `workflow_steps_task_idx`, then the run by primary key. */
  stepOf: `SELECT s.run_id AS runId, s.name AS name, s.condition_json AS conditionJson, r.vars_json AS varsJson
    FROM workflow_steps AS s JOIN workflow_runs AS r ON r.id = s.run_id WHERE s.task_id = ?`,
  stepOutcome: `SELECT t.status AS status, t.result_json AS resultJson
    FROM workflow_steps AS s JOIN tasks AS t ON t.id = s.task_id WHERE s.run_id = ? AND s.name = ?`,
  skip: `UPDATE tasks SET status = 'SKIPPED', error = @reason, finished_at = @now
    WHERE id = @id AND status = 'RUNNING' AND claimed_by = @agent`,
} as const;

const OPEN = new Set<string>(OPEN_STATUSES);

/**
 * The run status its steps give: RUNNING while any step is open; else FAILED when any step FAILED,
 * CANCELLED when any was CANCELLED, DONE when every step is DONE or SKIPPED.
 */
export function workflowRunStatus(stepStatuses: readonly TaskStatus[]): WorkflowRunStatus {
  if (stepStatuses.some((status) => OPEN.has(status))) return 'RUNNING';
  if (stepStatuses.includes('FAILED')) return 'FAILED';
  if (stepStatuses.includes('CANCELLED')) return 'CANCELLED';
  return 'DONE';
}

const iso = (time: number | null): string | null => (time === null ? null : new Date(time).toISOString());

/**
 * The run a stored row and its steps describe. A row still stored RUNNING whose steps have all ended gets
 * the status they give and `clock()` (ms, read only then) as its end; the caller decides whether to store that.
 */
export function toWorkflowRun(
  row: WorkflowRunRow,
  steps: readonly WorkflowStepRow[],
  clock: () => number,
): WorkflowRun {
  let { status, finishedAt } = row;
  if (status === 'RUNNING') {
    const computed = workflowRunStatus(steps.map((step) => step.status));
    if (computed !== 'RUNNING') {
      status = computed;
      finishedAt = clock();
    }
  }
  return {
    run: row.id,
    name: row.name,
    status,
    vars: JSON.parse(row.varsJson) as Record<string, unknown>,
    createdAt: iso(row.createdAt) as string,
    finishedAt: iso(finishedAt),
    steps: steps.map((step) => ({
      name: step.name,
      status: step.status,
      task_id: step.taskId,
      error: step.error,
    })),
  };
}
