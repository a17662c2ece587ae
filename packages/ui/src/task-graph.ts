import type { Task } from '@biged/core';
import type { TaskQueue } from '@biged/queue';

/** Options of `renderTaskGraph`. */
export interface RenderTaskGraphOptions {
  /** Where the tasks and their edges come from (`queue.get`, `queue.dependencies`). */
  queue: Pick<TaskQueue, 'get' | 'dependencies'>;
  /** The task whose run is drawn. */
  taskId: number;
  /** Levels followed up (dependencies) and down (dependents). Default 3. */
  maxDepth?: number;
  /** Tasks drawn at most, on each side; the rest is summarised as `… N more`. Default 30. */
  maxNodes?: number;
}

/** What `renderTaskGraph` drew. */
export interface TaskGraph {
  /** True when the task has at least one dependency or dependent. */
  inGraph: boolean;
  /** The ASCII tree, one string per line. */
  lines: string[];
}

const label = (task: Task | undefined, id: number): string =>
  task ? `#${task.id} ${task.skill} ${task.status}` : `#${id} (gone)`;

/**
 * Draws the dependency graph around one task as an ASCII tree: the tasks it waits for (`needs`) above it and
 * the tasks that wait for it (`feeds`) below, each with its skill and status, following
 * `queue.dependencies()` up to `maxDepth` levels each way. A task reached twice is drawn once and then
 * marked `(see above)`, so diamonds and fan-ins stay short. Each step is two small indexed queries, and
 * `maxNodes` bounds the work, so this is safe to call on the UI thread.
 *
 * @example
 * ```
 * #3 join BLOCKED (1 open)
 * needs
 * ├─ #1 fetch DONE
 * └─ #2 parse RUNNING
 * feeds
 * └─ #4 report BLOCKED
 * ```
 */
export function renderTaskGraph(options: RenderTaskGraphOptions): TaskGraph {
  const { queue, taskId, maxDepth = 3, maxNodes = 30 } = options;
  const root = queue.get(taskId);
  const rootEdges = queue.dependencies(taskId);
  const inGraph = rootEdges.dependsOn.length > 0 || rootEdges.dependents.length > 0;
  const blocked = rootEdges.blockedCount > 0 ? ` (${rootEdges.blockedCount} open)` : '';
  const lines = [`${label(root, taskId)}${blocked}`];
  if (!inGraph) return { inGraph, lines: [...lines, 'not part of a dependency graph'] };

  const walk = (direction: 'dependsOn' | 'dependents', heading: string) => {
    const seen = new Set<number>([taskId]);
    let drawn = 0;
    let hidden = 0;
    const out: string[] = [];
    const visit = (ids: readonly number[], prefix: string, depth: number) => {
      ids.forEach((id, index) => {
        const last = index === ids.length - 1;
        if (drawn >= maxNodes) {
          hidden += 1;
          return;
        }
        drawn += 1;
        const branch = `${prefix}${last ? '└─ ' : '├─ '}`;
        if (seen.has(id)) {
          out.push(`${branch}#${id} (see above)`);
          return;
        }
        seen.add(id);
        out.push(`${branch}${label(queue.get(id), id)}`);
        const next = queue.dependencies(id)[direction];
        if (next.length === 0) return;
        if (depth >= maxDepth) {
          out.push(`${prefix}${last ? '   ' : '│  '}└─ … ${next.length} more`);
          return;
        }
        visit(next, `${prefix}${last ? '   ' : '│  '}`, depth + 1);
      });
    };
    visit(rootEdges[direction], '', 1);
    if (out.length === 0) return;
    lines.push(heading, ...out);
    if (hidden > 0) lines.push(`… ${hidden} more`);
  };
  walk('dependsOn', 'needs');
  walk('dependents', 'feeds');
  return { inGraph, lines };
}
