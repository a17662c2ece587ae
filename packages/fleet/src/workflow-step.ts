import type { Logger, Task } from '@biged/core';
import {
  createWorkflowStore,
  evaluateWorkflowCondition,
  resolveWorkflowPayload,
  type TaskQueue,
  type WorkflowStore,
} from '@biged/queue';

/** What the worker does with a claimed task before it runs the skill. */
export type WorkflowStepDecision =
  /** Run the skill with this payload (the task's own, or a workflow step's with its references resolved). */
  | { kind: 'run'; payload: Record<string, unknown> }
  /** The step's condition is false: the task is already SKIPPED (its dependents follow their policy). */
  | { kind: 'skipped'; reason: string };

/** Options of `createWorkflowStepGate`. */
export interface CreateWorkflowStepGateOptions {
  /** The worker's queue (made by `createQueue`). */
  queue: TaskQueue;
  /** The worker's agent name (the task's `claimed_by`). */
  agent: string;
  /** Where skipped steps are logged. Default: not logged. */
  log?: Logger;
}

/** Decides, for each claimed task, whether and with which payload it runs. */
export interface WorkflowStepGate {
  /**
   * For a task that is no workflow step: run it as it is. For a step: when it has a `condition`, test it
   * against the outcome of the step it names and, when false, mark the task SKIPPED with reason
   * `condition false`; otherwise resolve `$name` and `$steps.<step>.result[.path]` in its payload from the
   * run's variables and the earlier steps' stored results. Throws `WorkflowError`
   * (`WORKFLOW_STEP_UNRESOLVED`, `WORKFLOW_UNKNOWN_VARIABLE`) when a reference has no value; the worker
   * fails the task without retry then.
   */
  prepare(task: Task): WorkflowStepDecision;
}

/** The reason recorded on a step skipped by its condition. */
export const CONDITION_FALSE = 'condition false';

/**
 * The workflow hook of the worker (see `runWorker`). Costs one indexed read per task
 * (`workflow_steps_task_idx`), plus one per referenced step for workflow steps.
 */
export function createWorkflowStepGate({
  queue,
  agent,
  log,
}: CreateWorkflowStepGateOptions): WorkflowStepGate {
  let store: WorkflowStore | undefined;
  try {
    store = createWorkflowStore({ queue });
  } catch {
    // A queue not made by createQueue (a test double) has no workflow tables: every task runs as it is.
    store = undefined;
  }
  return {
    prepare(task) {
      const step = store?.stepOf(task.id);
      if (!store || !step) return { kind: 'run', payload: task.payload };
      const steps = store;
      if (step.condition) {
        const outcome = steps.stepOutcome(step.runId, step.condition.step);
        if (!outcome || !evaluateWorkflowCondition(step.condition, outcome)) {
          steps.skip(task.id, agent, CONDITION_FALSE);
          log?.info('workflow step skipped', {
            taskId: task.id,
            run: step.runId,
            step: step.name,
            reason: CONDITION_FALSE,
          });
          return { kind: 'skipped', reason: CONDITION_FALSE };
        }
      }
      return {
        kind: 'run',
        payload: resolveWorkflowPayload(task.payload, {
          vars: step.vars,
          step: (name) => steps.stepOutcome(step.runId, name),
        }),
      };
    },
  };
}
