import { index, integer, primaryKey, sqliteTable } from 'drizzle-orm/sqlite-core';
import { tasks } from './tasks';

// NOTE: packages/queue/README.md ("Schema" and "Dependencies") and docs/architecture.md ("Queue semantics")
// describe this table and the statements over it in src/dependency-sql.ts; keep them in sync.

/**
 * The `task_dependencies` table: one row per edge "`task_id` waits for `depends_on_id`". Rows are kept
 * after both tasks finish (the graph of a run stays readable); the open count lives in
 * `tasks.blocked_count`, so settling a task reads only its own edges.
 */
export const taskDependencies = sqliteTable(
  'task_dependencies',
  {
    taskId: integer('task_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
    dependsOnId: integer('depends_on_id')
      .notNull()
      .references(() => tasks.id, { onDelete: 'cascade' }),
  },
  (table) => [
    primaryKey({ columns: [table.taskId, table.dependsOnId] }),
    // The dependents of a settled task, in one seek: covering (task_id is in the index), so promotion
    // and the failure cascade read this index and the dependents' rows, nothing else.
    index('task_dependencies_depends_on_idx').on(table.dependsOnId, table.taskId),
  ],
);

/** A `task_dependencies` row. */
export type TaskDependencyRow = typeof taskDependencies.$inferSelect;
