import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { tasks } from './tasks';

// NOTE: packages/queue/README.md ("Workflows") describes these tables; keep both in sync.

export const WORKFLOW_RUN_STATUS_VALUES = ['RUNNING', 'DONE', 'FAILED', 'CANCELLED'] as const;

/** The `workflow_runs` table: one row per run of a workflow file (its steps are tasks). */
export const workflowRuns = sqliteTable(
  'workflow_runs',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** The workflow's `[workflow] name`. */
    name: text('name').notNull(),
    status: text('status', { enum: WORKFLOW_RUN_STATUS_VALUES }).notNull().default('RUNNING'),
    /** The `--var k=v` values and defaults the run was started with (JSON object). */
    varsJson: text('vars_json').notNull().default('{}'),
    /** The workflow definition as run (JSON), so a later edit of the file does not change a running run. */
    definitionJson: text('definition_json').notNull(),
    /** Epoch ms. */
    createdAt: integer('created_at').notNull(),
    /** Epoch ms; null while RUNNING. */
    finishedAt: integer('finished_at'),
  },
  (table) => [
    check('workflow_runs_status_valid', sql`${table.status} IN ('RUNNING', 'DONE', 'FAILED', 'CANCELLED')`),
    index('workflow_runs_running_idx').on(table.id).where(sql.raw(`status = 'RUNNING'`)),
  ],
);

/** The `workflow_steps` table: one row per step of a run, naming the task that carries it out. */
export const workflowSteps = sqliteTable(
  'workflow_steps',
  {
    runId: integer('run_id')
      .notNull()
      .references(() => workflowRuns.id, { onDelete: 'cascade' }),
    /** The step's `name` in the workflow file. */
    name: text('name').notNull(),
    taskId: integer('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    /** The step's `condition` (JSON), evaluated against earlier results before it runs; null if none. */
    conditionJson: text('condition_json'),
  },
  (table) => [
    primaryKey({ columns: [table.runId, table.name] }),
    index('workflow_steps_task_idx').on(table.taskId),
  ],
);

/** A `workflow_runs` row as stored. */
export type WorkflowRunRow = typeof workflowRuns.$inferSelect;
/** A `workflow_steps` row as stored. */
export type WorkflowStepRow = typeof workflowSteps.$inferSelect;
