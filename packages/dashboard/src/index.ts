export type {
  ActivityResponse,
  AlertsResponse,
  ControlResponse,
  ErrorResponse,
  HealthResponse,
  IdleResponse,
  KnowledgeResponse,
  SkillStats,
  SkillsResponse,
  StatusResponse,
  TaskSummary,
  ThermalResponse,
  ThermalSample,
  TimelineResponse,
  UptimeResponse,
  UsageTimeseriesResponse,
  WorkersResponse,
} from './api-types';
export type { CreateDashboardOptions, Dashboard, DashboardStreamOptions } from './create-dashboard';
export { createDashboard } from './create-dashboard';
export {
  DASHBOARD_TOKEN_FILE_MODE,
  dashboardTokenFile,
  ensureDashboardToken,
  tokensMatch,
} from './dashboard-token';
export type { DashboardErrorCode, DashboardErrorOptions } from './errors';
export { DashboardError } from './errors';
export type { StreamEvent, StreamEventType } from './event-hub';
export { EVENT_ID_PATTERN } from './event-hub';
export type { FleetControl, FleetControlResult } from './fleet-control';
export type {
  AuditResponse,
  HitlAnswerResponse,
  HitlListResponse,
  WorkflowsResponse,
} from './record-routes';
export { MAX_ANSWER_BODY_BYTES } from './record-routes';
export { REDACTED, redactSecrets, SECRET_KEY_NAME } from './redact-secrets';
export type { DashboardServer, ServeDashboardOptions } from './serve-dashboard';
export { DEFAULT_DASHBOARD_HOST, DEFAULT_DASHBOARD_PORT, serveDashboard } from './serve-dashboard';
export { VERSION } from './version';
