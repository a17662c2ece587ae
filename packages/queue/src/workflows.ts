import type { TaskStatus } from '@biged/core';
import type { Statement } from 'better-sqlite3';
import { createDependencyGraph, OPEN_STATUSES } from './dependency-sql';
import { QueueError } from './errors/queue-error';
import { WorkflowError } from './errors/workflow-error';
import { getQueueConnection } from './queue-database';
import type { SubmitManyRequest, TaskQueue } from './task-queue';
import {
  toWorkflowRun,
  WORKFLOW_SQL,
  type WorkflowRun,
  type WorkflowRunRow,
  type WorkflowRunStatus,
  type WorkflowStepRow,
} from './workflow-run';
import type { WorkflowDefinition } from './workflows-file';
import {
  findWorkflowReferences,
  type WorkflowCondition,
  type WorkflowStepOutcome,
} from './workflows-template';

// NOTE: packages/queue/README.md ("Workflows") describes these tables, statements and the run status
// rule; keep both in sync.

export type { WorkflowRun, WorkflowRunStatus, WorkflowRunStep } from './workflow-run';

/** What `startRun` takes. */
export interface StartWorkflowRunRequest {
  /** The workflow (from `findWorkflow`, `loadWorkflowFile` or `parseWorkflowToml`). */
  definition: WorkflowDefinition;
  /** Values for `$name` references; they override `[workflow.vars]`. Default none. */
  vars?: Readonly<Record<string, unknown>>;
  /**
   * The installed skills: a step naming another throws `WORKFLOW_UNKNOWN_SKILL` before anything is
   * stored. Default: not checked (a worker then fails the step with `unknown skill`).
   */
  skills?: readonly string[];
}

/** Options of `listRuns`. */
export interface ListWorkflowRunsOptions {
  /** Only runs in this status (as computed now). Default: all. */
  status?: WorkflowRunStatus;
  /** At most this many, newest first. Default 20, at most 1000. */
  limit?: number;
}

/** Where a task stands in a workflow run (what the worker needs before it runs a step). */
export interface WorkflowStepContext {
  runId: number;
  /** The step's name. */
  name: string;
  /** Its condition, or undefined. */
  condition: WorkflowCondition | undefined;
  /** The run's variables. */
  vars: Record<string, unknown>;
}

/** Options of `createWorkflowStore`. */
export interface CreateWorkflowStoreOptions {
  /** A queue made by `createQueue`; the store uses its connection. */
  queue: TaskQueue;
}

/** Workflow runs on the queue's database (tables `workflow_runs`, `workflow_steps`). */
export interface WorkflowStore {
  /**
   * Starts a run: one `workflow_runs` row, every step task in one `submitMany` batch (ref = step name,
   * `dependsOn` = the step's `needs`, `onDependencyFailure` = its `on_failure`) and one `workflow_steps`
   * row per step, all in one write transaction. Throws `WORKFLOW_UNKNOWN_VARIABLE` (a `$name` without a
   * value) or `WORKFLOW_UNKNOWN_SKILL` before anything is stored, or what `submitMany` throws.
   */
  startRun(request: StartWorkflowRunRequest): WorkflowRun;
  /**
   * The run and its steps. Its status is computed from the step tasks (see the README) and stored the
   * first time it is seen ended. Throws `WORKFLOW_RUN_NOT_FOUND`.
   */
  getRun(runId: number): WorkflowRun;
  /** Runs, newest first (`status: 'RUNNING'` reads only the running ones, by a partial index). */
  listRuns(options?: ListWorkflowRunsOptions): WorkflowRun[];
  /** Cancels every open step task (their dependents follow) and marks the run CANCELLED. */
  cancelRun(runId: number): WorkflowRun;
  /** The run and step a task carries out, or undefined when it is no workflow step (one index seek). */
  stepOf(taskId: number): WorkflowStepContext | undefined;
  /** The outcome of step `name` of run `runId`, or undefined when the run has no such step. */
  stepOutcome(runId: number, name: string): WorkflowStepOutcome | undefined;
  /**
   * Marks `agent`'s RUNNING task SKIPPED with `reason` as its error, and in the same transaction ends its
   * BLOCKED dependents by their policy. False when the task is not `agent`'s RUNNING task.
   */
  skip(taskId: number, agent: string, reason: string): boolean;
}

const MAX_LIST_LIMIT = 1000;

type RunRow = WorkflowRunRow;
type StepRow = WorkflowStepRow;

export { WORKFLOW_SQL, workflowRunStatus } from './workflow-run';

const OPEN = new Set<string>(OPEN_STATUSES);

/**
 * The workflow runs of a queue. Workflow files are read with `findWorkflow` / `loadWorkflowFile`; the
 * fleet's workers resolve `$` references and conditions just before a step runs (`stepOf`, `stepOutcome`,
 * `skip`).
 *
 * ```ts
 * const workflows = createWorkflowStore({ queue });
 * const run = workflows.startRun({ definition: findWorkflow(paths.workflows, 'research'), vars: { topic } });
 * workflows.getRun(run.run).status; // 'RUNNING'
 * ```
 */
export function createWorkflowStore({ queue }: CreateWorkflowStoreOptions): WorkflowStore {
  const { sqlite, retry, clock } = getQueueConnection(queue);
  const transaction = sqlite.transaction((body: () => unknown) => body());
  const write = <T>(body: () => T): T => retry(() => transaction.immediate(body) as T);
  const read = <T>(body: () => T): T => retry(() => transaction.deferred(body) as T);
  const statements = Object.fromEntries(
    Object.entries(WORKFLOW_SQL).map(([key, text]) => [key, sqlite.prepare(text)]),
  ) as Record<keyof typeof WORKFLOW_SQL, Statement>;
  const graph = createDependencyGraph(sqlite);

  /** The run with its steps, its status settled (stored when first seen ended); inside a transaction. */
  const assemble = (row: RunRow): WorkflowRun =>
    toWorkflowRun(row, statements.steps.all(row.id) as StepRow[], clock);

  /** Stores the status of runs that `assemble` found ended (a write only when there are any). */
  const persist = (runs: readonly { row: RunRow; run: WorkflowRun }[]): void => {
    const ended = runs.filter(({ row, run }) => row.status === 'RUNNING' && run.status !== 'RUNNING');
    if (ended.length === 0) return;
    write(() => {
      for (const { run } of ended) {
        statements.finishRun.run({
          id: run.run,
          status: run.status,
          now: Date.parse(run.finishedAt as string),
        });
      }
    });
  };

  const notFound = (runId: number) =>
    new WorkflowError({
      code: 'WORKFLOW_RUN_NOT_FOUND',
      runId,
      message: `workflow run ${runId} does not exist`,
      hint: 'see the runs with `biged status`',
    });

  const store: WorkflowStore = {
    startRun({ definition, vars = {}, skills }) {
      const merged: Record<string, unknown> = { ...definition.vars, ...vars };
      for (const step of definition.steps) {
        if (skills && !skills.includes(step.skill)) {
          throw new WorkflowError({
            code: 'WORKFLOW_UNKNOWN_SKILL',
            step: step.name,
            skill: step.skill,
            workflow: definition.name,
            message: `step "${step.name}" of workflow "${definition.name}" uses skill "${step.skill}", which is not installed`,
            hint: 'list the installed skills with `biged skill list`',
          });
        }
        for (const reference of findWorkflowReferences(step.payload)) {
          if (reference.kind === 'var' && !Object.hasOwn(merged, reference.name)) {
            throw new WorkflowError({
              code: 'WORKFLOW_UNKNOWN_VARIABLE',
              step: step.name,
              workflow: definition.name,
              message: `step "${step.name}" uses $${reference.name}, which has no value`,
              hint: `pass --var ${reference.name}=<value> or give it a default in [workflow.vars]`,
            });
          }
        }
      }
      const requests: SubmitManyRequest[] = definition.steps.map((step) => ({
        ref: step.name,
        skill: step.skill,
        payload: step.payload,
        priority: step.priority ?? definition.priority,
        dependsOn: step.needs,
        onDependencyFailure: step.on_failure,
      }));
      const { file: _file, ...stored } = definition;
      const runId = write(() => {
        const now = clock();
        const row = statements.insertRun.get({
          name: definition.name,
          varsJson: JSON.stringify(merged),
          definitionJson: JSON.stringify(stored),
          now,
        }) as RunRow;
        // Nested in this transaction (a savepoint): the run row, the tasks and the steps commit together.
        const results = queue.submitMany(requests);
        definition.steps.forEach((step, index) => {
          statements.insertStep.run({
            runId: row.id,
            name: step.name,
            taskId: (results[index] as { task: { id: number } }).task.id,
            conditionJson: step.condition ? JSON.stringify(step.condition) : null,
          });
        });
        return row.id;
      });
      return store.getRun(runId);
    },

    getRun(runId) {
      const found = read(() => {
        const row = statements.run.get(runId) as RunRow | undefined;
        return row ? { row, run: assemble(row) } : undefined;
      });
      if (!found) throw notFound(runId);
      persist([found]);
      return found.run;
    },

    listRuns({ status, limit = 20 } = {}) {
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
        throw new QueueError({
          code: 'QUEUE_INVALID_ARGUMENT',
          message: `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}, got ${limit}`,
        });
      }
      // Settle the stored RUNNING rows first (read by the partial index), so that the stored status of a
      // run that just ended is current before the other statuses are read.
      const running = read(() =>
        (statements.runningRuns.all() as RunRow[]).map((row) => ({ row, run: assemble(row) })),
      );
      persist(running);
      if (status === 'RUNNING') {
        return running
          .map(({ run }) => run)
          .filter((run) => run.status === 'RUNNING')
          .slice(0, limit);
      }
      return read(() =>
        (
          (status === undefined
            ? statements.runs.all(limit)
            : statements.runsByStatus.all(status, limit)) as RunRow[]
        ).map(assemble),
      );
    },

    cancelRun(runId) {
      write(() => {
        const row = statements.run.get(runId) as RunRow | undefined;
        if (!row) throw notFound(runId);
        const now = clock();
        for (const step of statements.steps.all(runId) as StepRow[]) {
          // A cancel cascades to dependents, so a later step may already be CANCELLED: re-read first.
          const current = queue.get(step.taskId)?.status;
          if (current !== undefined && OPEN.has(current)) queue.cancel(step.taskId);
        }
        statements.cancelRun.run({ id: runId, now });
      });
      return store.getRun(runId);
    },

    stepOf(taskId) {
      const row = retry(() => statements.stepOf.get(taskId)) as
        | { runId: number; name: string; conditionJson: string | null; varsJson: string }
        | undefined;
      if (!row) return undefined;
      return {
        runId: row.runId,
        name: row.name,
        condition:
          row.conditionJson === null ? undefined : (JSON.parse(row.conditionJson) as WorkflowCondition),
        vars: JSON.parse(row.varsJson) as Record<string, unknown>,
      };
    },

    stepOutcome(runId, name) {
      const row = retry(() => statements.stepOutcome.get(runId, name)) as
        | { status: TaskStatus; resultJson: string | null }
        | undefined;
      if (!row) return undefined;
      return { status: row.status, result: row.resultJson === null ? undefined : JSON.parse(row.resultJson) };
    },

    skip(taskId, agent, reason) {
      return write(() => {
        const now = clock();
        if (statements.skip.run({ id: taskId, agent, reason, now }).changes !== 1) return false;
        graph.ended(taskId, 'SKIPPED', now);
        return true;
      });
    },
  };
  return store;
}
