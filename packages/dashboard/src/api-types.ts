import type { Agent, TaskStatus } from '@biged/core';
import type { HwState } from '@biged/hw-monitor';
import type { Alert } from '@biged/queue';

// The JSON bodies the dashboard's routes answer with. Times are ISO 8601 strings (UTC).

/** Every error response: `{ error: { code, message } }`, status from the code. */
export interface ErrorResponse {
  error: { code: string; message: string; parameter?: string; hint?: string };
}

/** A task without its payload and result (those may be large, and are the skill's business). */
export interface TaskSummary {
  id: number;
  skill: string;
  status: TaskStatus;
  priority: number;
  claimedBy: string | null;
  attempts: number;
  maxAttempts: number;
  error: string | null;
  parentId: number | null;
  createdAt: string;
  claimedAt: string | null;
  finishedAt: string | null;
}

/** `GET /api/status`. */
export interface StatusResponse {
  agents: Agent[];
  counts: Record<TaskStatus, number>;
  totalTasks: number;
  activeAlerts: number;
  thermal: { status: string; tier: string; model: string; updatedAt: string } | null;
  time: string;
}

/** `GET /api/activity`. */
export interface ActivityResponse {
  tasks: TaskSummary[];
}

/** One skill in `GET /api/skills`. */
export interface SkillStats {
  skill: string;
  counts: Partial<Record<TaskStatus, number>>;
  total: number;
  /** Mean claimed-to-finished time of DONE tasks, or null when none finished. */
  avgDurationMs: number | null;
  lastFinishedAt: string | null;
}

/** `GET /api/skills`. */
export interface SkillsResponse {
  skills: SkillStats[];
}

/** `GET /api/timeline`. */
export interface TimelineResponse {
  from: string;
  to: string;
  tasks: TaskSummary[];
  truncated: boolean;
}

/** `GET /api/fleet/health`. */
export interface HealthResponse {
  healthy: boolean;
  issues: string[];
  agents: { total: number; online: number; offline: number; staleHeartbeats: number };
  tasks: { pending: number; running: number; failedLastHour: number };
  alerts: { info: number; warning: number; critical: number };
  thermalStatus: string | null;
  dashboardUptimeSecs: number;
}

/** `GET /api/fleet/uptime`. */
export interface UptimeResponse {
  dashboardStartedAt: string;
  agents: Array<{
    name: string;
    status: string;
    startedAt: string | null;
    uptimeSecs: number | null;
    restarts: number;
  }>;
}

/** `GET /api/fleet/idle`. */
export interface IdleResponse {
  minIdleSecs: number;
  idle: Array<{ name: string; role: string; idleSince: string | null; idleSecs: number | null }>;
}

/** `GET /api/fleet/workers`. */
export interface WorkersResponse {
  staleAfterSecs: number;
  workers: Array<Agent & { heartbeatAgeSecs: number | null; stale: boolean }>;
}

/** `GET /api/knowledge`. */
export interface KnowledgeResponse {
  files: Array<{ path: string; sizeBytes: number; modifiedAt: string }>;
  totalFiles: number;
  totalBytes: number;
  truncated: boolean;
}

/** `GET /api/thermal`. */
export interface ThermalResponse {
  available: boolean;
  /** Why there is no state (no hw_state.json yet, or it is unreadable). */
  reason: string | null;
  /** hw_state.json as the monitor wrote it (secret-looking keys redacted). */
  state: HwState | null;
  /** Seconds since the monitor last wrote the file. */
  ageSecs: number | null;
  limits: {
    gpuMaxSustainedC: number;
    gpuMaxBurstC: number;
    cpuMaxSustainedC: number;
    cooldownTargetC: number;
  };
  history: ThermalSample[];
}

/** One point of the thermal history the dashboard keeps in memory while it runs. */
export interface ThermalSample {
  at: string;
  gpuTempC: number | null;
  cpuTempC: number | null;
  vramUsedMb: number | null;
  powerW: number | null;
  status: string;
}

/** `GET /api/usage/timeseries`. */
export interface UsageTimeseriesResponse {
  bucket: 'minute' | 'hour' | 'day';
  from: string;
  to: string;
  points: Array<{ at: string; calls: number; costUsd: number; inputTokens: number; outputTokens: number }>;
}

/** `GET /api/alerts`. */
export interface AlertsResponse {
  alerts: Alert[];
}

/** `POST` process-control routes. */
export interface ControlResponse {
  ok: boolean;
  message: string;
}
