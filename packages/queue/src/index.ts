export type {
  AuditAppendRequest,
  AuditDecision,
  AuditEntry,
  AuditTrail,
  AuditVerifyResult,
  ListAuditOptions,
} from './audit-trail';
export {
  AUDIT_ACTION_PATTERN,
  AUDIT_DECISIONS,
  AUDIT_GENESIS_HASH,
  AUDIT_MAX_DETAIL_CHARS,
  createAuditTrail,
  hashAuditRow,
} from './audit-trail';
export type { CreateAuditedSecretsStoreOptions } from './audited-secrets-store';
export { createAuditedSecretsStore } from './audited-secrets-store';
export {
  createQueue,
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_TIMEOUT_MS,
} from './create-queue';
export type { QueueErrorCode, QueueErrorOptions } from './errors';
export { QueueError } from './errors';
export type { ScheduleErrorCode, ScheduleErrorOptions } from './errors/schedule-error';
export { ScheduleError } from './errors/schedule-error';
export type { SessionErrorCode, SessionErrorOptions } from './errors/session-error';
export { SessionError } from './errors/session-error';
export type { WorkflowErrorCode, WorkflowErrorOptions } from './errors/workflow-error';
export { WorkflowError } from './errors/workflow-error';
export {
  HITL_CANCEL_RESPONDER,
  HITL_CANCEL_RESPONSE,
  HITL_DISCUSS_SKILL,
  HITL_MAX_CONTEXT_BYTES,
  HITL_MAX_QUESTION_LENGTH,
  HITL_MAX_RESPONSE_BYTES,
  HITL_MORE_INFO_SKILL,
} from './hitl';
export type {
  AnswerHitlRequest,
  AnswerHitlResult,
  HitlAnswer,
  HitlAnswerStatus,
  HitlRequest,
  HitlStatus,
  HitlUsableStatus,
  ListHitlOptions,
  ParkForHumanRequest,
  QueueHitl,
} from './hitl-types';
export { HITL_ANSWER_STATUSES } from './hitl-types';
export type {
  BroadcastRequest,
  ChannelMessagesOptions,
  ChannelSummary,
  InboxOptions,
  Message,
  MessageKind,
  NotesOptions,
  PostNoteRequest,
  QueueMessaging,
  SendMessageRequest,
} from './messages';
export { AGENT_NAME_PATTERN, CHANNEL_NAME_PATTERN, MESSAGE_CHANNELS } from './messages';
export type {
  CreateScheduleStoreOptions,
  Schedule,
  ScheduleDefinition,
  ScheduleFire,
  ScheduleStore,
  ScheduleSyncResult,
  ScheduleTickOptions,
  ScheduleTickResult,
} from './schedules';
export { createScheduleStore, SCHEDULE_NAME_PATTERN } from './schedules';
export type { ScheduleCatchUp, ScheduleTickInput, ScheduleTickPlan } from './schedules-due';
export { compileCron, DEFAULT_SCHEDULE_GRACE_MS, planScheduleTick } from './schedules-due';
export type {
  CreateSessionStoreOptions,
  GetSessionOptions,
  ListSessionsOptions,
  Session,
  SessionDetail,
  SessionStore,
  Snapshot,
  SnapshotRequest,
  StartSessionRequest,
} from './sessions';
export {
  createSessionStore,
  SESSION_DEFAULT_LIST_LIMIT,
  SESSION_DEFAULT_SNAPSHOTS,
  SESSION_MAX_DATA_BYTES,
  SESSION_MAX_LABEL_LENGTH,
  SESSION_NAME_PATTERN,
} from './sessions';
export type { OpenedTaskStore } from './store/open-store';
export { openTaskStore } from './store/open-store';
export { createSqliteStore, sqliteQueueOf } from './store/sqlite-store';
export type {
  FleetPause,
  Promisified,
  TaskStore,
  TaskStoreDialect,
  TaskStoreMethodName,
  WaitForWorkOptions,
} from './store/task-store';
export type {
  AgentHeartbeatRequest,
  Alert,
  AlertSeverity,
  ClaimOptions,
  ClaimRequest,
  CompleteAndClaimResult,
  CreateQueueOptions,
  DependencyFailurePolicy,
  EnqueueRequest,
  FailAndClaimResult,
  FailOptions,
  HeartbeatResult,
  ListAlertsOptions,
  ListTasksOptions,
  Lock,
  RaiseAlertRequest,
  RecoverStaleOptions,
  RecoveryResult,
  RegisterAgentRequest,
  SettleRequest,
  SettleResult,
  SubmitManyRequest,
  SubmitResult,
  TaskDependencies,
  TaskQueue,
  WaitForTaskOptions,
} from './task-queue';
export { ALERT_SEVERITIES } from './task-queue';
export type {
  Budget,
  BudgetEnforcement,
  BudgetPeriod,
  BudgetReservation,
  BudgetStatus,
  BudgetStatusRequest,
  CostEstimate,
  CostRequest,
  CreateLedgerUsageSinkOptions,
  CreateUsageLedgerOptions,
  LedgerTime,
  LedgerUsageEntry,
  LedgerUsageSink,
  ListUsageOptions,
  ModelPrice,
  PeriodWindow,
  ReserveBudgetRequest,
  UsageCall,
  UsageDelta,
  UsageDeltaRow,
  UsageEntry,
  UsageGroupBy,
  UsageLedger,
  UsageRange,
  UsageRecord,
  UsageResult,
  UsageStatus,
  UsageSummary,
  UsageSummaryOptions,
  UsageSummaryRow,
  UsageTotals,
} from './usage';
export {
  budgetsFromConfig,
  createLedgerUsageSink,
  createUsageLedger,
  DEFAULT_RESERVATION_TIMEOUT_MS,
  DEFAULT_THROTTLE_MS,
  estimateCostUsd,
  findModelPrice,
  LOCAL_PROVIDERS,
  MODEL_PRICES,
  NO_SKILL,
  periodWindow,
} from './usage';
export { VERSION } from './version';
export type {
  CreateWorkflowStoreOptions,
  ListWorkflowRunsOptions,
  StartWorkflowRunRequest,
  WorkflowRun,
  WorkflowRunStatus,
  WorkflowRunStep,
  WorkflowStepContext,
  WorkflowStore,
} from './workflows';
export { createWorkflowStore, workflowRunStatus } from './workflows';
export type { WorkflowDefinition, WorkflowFileEntry, WorkflowStepDefinition } from './workflows-file';
export {
  findWorkflow,
  listWorkflowFiles,
  loadWorkflowFile,
  MAX_WORKFLOW_STEPS,
  parseWorkflowDefinition,
  parseWorkflowToml,
} from './workflows-file';
export type {
  WorkflowCondition,
  WorkflowReference,
  WorkflowResolveContext,
  WorkflowStepOutcome,
} from './workflows-template';
export {
  evaluateWorkflowCondition,
  findWorkflowReferences,
  resolveWorkflowPayload,
  valueAtPath,
} from './workflows-template';
