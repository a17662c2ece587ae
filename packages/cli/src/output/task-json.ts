import type { Task } from '@biged/core';

// NOTE: README.md "JSON output" documents this shape; keep the two in sync.

/** A task as `biged result --json` (and `dispatch --wait --json`) prints it: snake_case keys, stable. */
export interface TaskJson {
  id: number;
  skill: string;
  status: Task['status'];
  priority: number;
  payload: Record<string, unknown>;
  result: unknown;
  error: string | null;
  attempts: number;
  max_attempts: number;
  timeout_ms: number;
  assigned_to: string | null;
  claimed_by: string | null;
  parent_id: number | null;
  created_at: string;
  claimed_at: string | null;
  heartbeat_at: string | null;
  finished_at: string | null;
}

/** Maps a queue task to its JSON output shape. */
export function taskToJson(task: Task): TaskJson {
  return {
    id: task.id,
    skill: task.skill,
    status: task.status,
    priority: task.priority,
    payload: task.payload,
    result: task.result ?? null,
    error: task.error ?? null,
    attempts: task.attempts,
    max_attempts: task.maxAttempts,
    timeout_ms: task.timeoutMs,
    assigned_to: task.assignedTo ?? null,
    claimed_by: task.claimedBy ?? null,
    parent_id: task.parentId ?? null,
    created_at: task.createdAt,
    claimed_at: task.claimedAt ?? null,
    heartbeat_at: task.heartbeatAt ?? null,
    finished_at: task.finishedAt ?? null,
  };
}
