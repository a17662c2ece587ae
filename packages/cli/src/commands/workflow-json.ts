import type { WorkflowRun } from '@biged/queue';

// NOTE: packages/cli/README.md ("biged workflow") documents these shapes; keep the two in sync.

/** `biged workflow status <run> --json`: exactly the shape. */
export interface WorkflowStatusJson {
  run: number;
  status: WorkflowRun['status'];
  steps: { name: string; status: string; task_id: number }[];
}

/** A run in the status shape (also what `biged status --json` lists under `workflows`). */
export function workflowStatusJson(run: WorkflowRun): WorkflowStatusJson {
  return {
    run: run.run,
    status: run.status,
    steps: run.steps.map((step) => ({ name: step.name, status: step.status, task_id: step.task_id })),
  };
}
