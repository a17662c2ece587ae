import type { Agent, TaskStatus } from '@biged/core/startup';
import type { AgentRow } from './schema';
import { toAgent } from './task-row';

// The read statements `createQueue` and the drizzle-free `openQueueReader` (`@biged/queue/read`) share, with
// the row mapping that goes with each. Type imports only besides task-row.ts: no Drizzle at run time.

/** Read statements shared by `createQueue` and `openQueueReader`. */
export const READ_SQL = {
  /** Tasks per status (a scan of `tasks`; no status index on purpose, see docs/performance.md). */
  counts: 'SELECT status, count(*) AS count FROM tasks GROUP BY status',
  /** Every agent with the lowest id of the RUNNING tasks it holds. */
  listAgents: `SELECT name, role, status, pid, host, last_heartbeat AS lastHeartbeat,
         current_task_id AS currentTaskId, started_at AS startedAt, restarts,
         (SELECT id FROM tasks WHERE claimed_by = agents.name AND status = 'RUNNING' ORDER BY id LIMIT 1)
           AS runningTaskId
       FROM agents ORDER BY name`,
} as const;

/** A row of `READ_SQL.listAgents`. */
export type AgentListRow = AgentRow & { runningTaskId: number | null };

/**
 * An agent from a `READ_SQL.listAgents` row. BUSY/IDLE and the current task are derived from the tasks an
 * agent holds, so claiming and finishing tasks never has to write the agent row.
 */
export function agentFromListRow(row: AgentListRow): Agent {
  const agent = toAgent(row);
  const running = row.runningTaskId;
  if (agent.status === 'IDLE' || agent.status === 'BUSY') agent.status = running === null ? 'IDLE' : 'BUSY';
  agent.currentTaskId = running;
  return agent;
}

/** Task counts by status from `READ_SQL.counts` rows; every status is present, zero included. */
export function countsFromRows(
  statuses: readonly TaskStatus[],
  rows: readonly { status: TaskStatus; count: number }[],
): Record<TaskStatus, number> {
  const counts = Object.fromEntries(statuses.map((status) => [status, 0])) as Record<TaskStatus, number>;
  for (const row of rows) counts[row.status] = row.count;
  return counts;
}
