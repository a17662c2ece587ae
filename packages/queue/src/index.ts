export {
  createQueue,
  DEFAULT_BUSY_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_TIMEOUT_MS,
} from './create-queue';
export type { QueueErrorCode, QueueErrorOptions } from './errors';
export { QueueError } from './errors';
export type {
  AgentHeartbeatRequest,
  ClaimOptions,
  ClaimRequest,
  CompleteAndClaimResult,
  CreateQueueOptions,
  EnqueueRequest,
  FailAndClaimResult,
  FailOptions,
  HeartbeatResult,
  ListTasksOptions,
  Lock,
  RecoverStaleOptions,
  RecoveryResult,
  RegisterAgentRequest,
  SettleRequest,
  SettleResult,
  TaskQueue,
  WaitForTaskOptions,
} from './task-queue';
export { VERSION } from './version';
