import { BigedError } from '@biged/core';

const name = 'WorkflowError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Stable codes a {@link WorkflowError} carries.
 * - `WORKFLOW_INVALID`: a workflow file is not TOML, or a key is missing, mistyped or unknown (`file` and
 *   `field` are set, e.g. `steps.2.skill`).
 * - `WORKFLOW_NOT_FOUND`: no workflow file defines that name (`workflow` is set).
 * - `WORKFLOW_UNKNOWN_STEP`: `depends_on`, a `$steps.<name>` reference or a `condition` names a step the
 *   workflow does not have, or two steps share a name (`step` and `field` are set).
 * - `WORKFLOW_CYCLE`: the steps depend on each other in a circle (`cycle` lists them, first one repeated).
 * - `WORKFLOW_UNKNOWN_VARIABLE`: a payload uses `$name` that neither `--var` nor `[workflow.vars]` gives.
 * - `WORKFLOW_UNKNOWN_SKILL`: a step names a skill that is not installed (`step` and `skill` are set).
 * - `WORKFLOW_RUN_NOT_FOUND`: no run with that id (`runId` is set).
 * - `WORKFLOW_STEP_UNRESOLVED`: at run time, a `$steps.<name>.result.<path>` reference has no value (the
 *   step has no result there). The step fails without retry.
 */
export type WorkflowErrorCode =
  | 'WORKFLOW_INVALID'
  | 'WORKFLOW_NOT_FOUND'
  | 'WORKFLOW_UNKNOWN_STEP'
  | 'WORKFLOW_CYCLE'
  | 'WORKFLOW_UNKNOWN_VARIABLE'
  | 'WORKFLOW_UNKNOWN_SKILL'
  | 'WORKFLOW_RUN_NOT_FOUND'
  | 'WORKFLOW_STEP_UNRESOLVED';

/** Options of the {@link WorkflowError} constructor. */
export interface WorkflowErrorOptions {
  /** The stable code. */
  code: WorkflowErrorCode;
  /** What went wrong, for a human. */
  message: string;
  /** The workflow file concerned, if any. */
  file?: string;
  /** The key concerned, as a dotted path (`steps.2.depends_on`), if any. */
  field?: string;
  /** The workflow name concerned, if any. */
  workflow?: string;
  /** The step concerned, if any. */
  step?: string;
  /** The skill concerned, if any. */
  skill?: string;
  /** The run concerned, if any. */
  runId?: number;
  /** The steps of a dependency cycle, first one repeated at the end. */
  cycle?: readonly string[];
  /** The underlying error (e.g. smol-toml's `TomlError`). */
  cause?: unknown;
  /** A short "try ..." hint for the operator. */
  hint?: string;
}

/** An error about a workflow file or run. Check with `WorkflowError.isInstance(error)`, then switch on `code`. */
export class WorkflowError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The stable code; see {@link WorkflowErrorCode}. */
  declare readonly code: WorkflowErrorCode;
  /** The workflow file, when the error is about one. */
  readonly file: string | undefined;
  /** The key (dotted path), when the error is about one. */
  readonly field: string | undefined;
  /** The workflow name, when the error is about one. */
  readonly workflow: string | undefined;
  /** The step, when the error is about one. */
  readonly step: string | undefined;
  /** The skill, when the error is about one. */
  readonly skill: string | undefined;
  /** The run, when the error is about one. */
  readonly runId: number | undefined;
  /** The steps of a cycle (`WORKFLOW_CYCLE`). */
  readonly cycle: readonly string[] | undefined;

  constructor({ file, field, workflow, step, skill, runId, cycle, ...options }: WorkflowErrorOptions) {
    super({ name, ...options });
    this.file = file;
    this.field = field;
    this.workflow = workflow;
    this.step = step;
    this.skill = skill;
    this.runId = runId;
    this.cycle = cycle;
  }

  /** True when `error` is a WorkflowError from any copy of @biged/queue. */
  static override isInstance(error: unknown): error is WorkflowError {
    return BigedError.hasMarker(error, marker);
  }
}
