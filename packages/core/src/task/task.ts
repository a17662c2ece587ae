// NOTE: docs/architecture.md "Queue semantics" describes these states; keep both in sync.

/**
 * Every state a task can be in. `BLOCKED`: waiting for its dependencies (never claimed); `SKIPPED`: a
 * dependency did not succeed and the task's policy was to skip it (it never ran). The two were added
 * after the first six, at the end, so tables that list every status keep their old column order.
 */
export const TASK_STATUSES = [
  'PENDING',
  'RUNNING',
  'DONE',
  'FAILED',
  'CANCELLED',
  'WAITING_HUMAN',
  'BLOCKED',
  'SKIPPED',
] as const;
/** A task's state. */
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** States a task never leaves. */
export const TERMINAL_STATUSES: readonly TaskStatus[] = ['DONE', 'FAILED', 'CANCELLED', 'SKIPPED'];

/** Priority bounds: 10 is the most urgent. */
export const MIN_PRIORITY = 1;
export const MAX_PRIORITY = 10;
/** Default priority of `biged task` (the manual: default 5). `biged dispatch` defaults to 9. */
export const DEFAULT_PRIORITY = 5;

/** A task as stored in the queue. JSON columns are already parsed. */
export interface Task {
  id: number;
  skill: string;
  payload: Record<string, unknown>;
  priority: number;
  status: TaskStatus;
  /** Only this agent may claim it, when set. */
  assignedTo: string | null;
  /** The agent that holds (or last held) it. */
  claimedBy: string | null;
  attempts: number;
  maxAttempts: number;
  /** Milliseconds the skill may run. */
  timeoutMs: number;
  result: unknown;
  error: string | null;
  parentId: number | null;
  idempotencyKey: string | null;
  createdAt: string;
  claimedAt: string | null;
  heartbeatAt: string | null;
  finishedAt: string | null;
}

/** What an agent is doing, as the supervisor and `biged status` report it. */
export type AgentStatus = 'STARTING' | 'IDLE' | 'BUSY' | 'OFFLINE' | 'STOPPING';

/** A registered agent (a worker process). */
export interface Agent {
  name: string;
  role: string;
  status: AgentStatus;
  pid: number | null;
  host: string;
  lastHeartbeat: string | null;
  currentTaskId: number | null;
  startedAt: string | null;
  restarts: number;
}
