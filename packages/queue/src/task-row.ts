import type { Agent, Task } from '@biged/core';
import type { AgentRow, LockRow, TaskRow } from './schema';
import type { Lock } from './task-queue';

/**
 * The `tasks` columns under the property names of the Drizzle schema, for raw statements
 * (`SELECT ${TASK_COLUMNS}` / `RETURNING ${TASK_COLUMNS}`), so raw and Drizzle rows share one mapper.
 */
export const TASK_COLUMNS = [
  'id',
  'skill',
  'payload_json AS payloadJson',
  'priority',
  'status',
  'assigned_to AS assignedTo',
  'claimed_by AS claimedBy',
  'attempts',
  'max_attempts AS maxAttempts',
  'timeout_ms AS timeoutMs',
  'result_json AS resultJson',
  'error',
  'parent_id AS parentId',
  'idempotency_key AS idempotencyKey',
  'created_at AS createdAt',
  'claimed_at AS claimedAt',
  'heartbeat_at AS heartbeatAt',
  'finished_at AS finishedAt',
].join(', ');

/** Epoch milliseconds to ISO 8601, keeping null. */
export function isoOrNull(time: number | null): string | null {
  return time === null ? null : new Date(time).toISOString();
}

/** A stored task row to the public `Task` shape (JSON parsed, times as ISO strings). */
export function toTask(row: TaskRow): Task {
  return {
    id: row.id,
    skill: row.skill,
    payload: JSON.parse(row.payloadJson) as Record<string, unknown>,
    priority: row.priority,
    status: row.status,
    assignedTo: row.assignedTo,
    claimedBy: row.claimedBy,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    timeoutMs: row.timeoutMs,
    result: row.resultJson === null ? null : (JSON.parse(row.resultJson) as unknown),
    error: row.error,
    parentId: row.parentId,
    idempotencyKey: row.idempotencyKey,
    createdAt: new Date(row.createdAt).toISOString(),
    claimedAt: isoOrNull(row.claimedAt),
    heartbeatAt: isoOrNull(row.heartbeatAt),
    finishedAt: isoOrNull(row.finishedAt),
  };
}

/** A stored agent row to the public `Agent` shape. */
export function toAgent(row: AgentRow): Agent {
  return {
    name: row.name,
    role: row.role,
    status: row.status,
    pid: row.pid,
    host: row.host,
    lastHeartbeat: isoOrNull(row.lastHeartbeat),
    currentTaskId: row.currentTaskId,
    startedAt: isoOrNull(row.startedAt),
    restarts: row.restarts,
  };
}

/** A stored lock row to the public `Lock` shape. */
export function toLock(row: LockRow): Lock {
  return {
    name: row.name,
    owner: row.owner,
    acquiredAt: new Date(row.acquiredAt).toISOString(),
    expiresAt: isoOrNull(row.expiresAt),
  };
}
