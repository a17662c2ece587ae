import {
  createFileSystemGuard,
  type FileSystemGuard,
  type FleetConfig,
  type FsGuardDecision,
  type Logger,
  toError,
} from '@biged/core';
import { type AuditDecision, createAuditTrail, type TaskQueue } from '@biged/queue';

/** Options for `createWorkerFsGuard`. */
export interface CreateWorkerFsGuardOptions {
  /** The fleet config; `[filesystem]` gives the zones, overrides and enterprise switches. */
  config: Pick<FleetConfig, 'filesystem'>;
  /** The fleet home (an implicit `read_write` zone). */
  home: string;
  /** The queue whose `audit_log` receives the decisions (a queue made by `createQueue`). */
  queue: TaskQueue;
  /** The agent name written as the audit row's actor. */
  agent: string;
  /** Where the guard logs its decisions. */
  log: Logger;
}

const AUDIT_DECISION: Record<FsGuardDecision['decision'], AuditDecision> = {
  allowed: 'allow',
  denied: 'deny',
  'violation-allowed': 'log',
};

/**
 * The worker's FileSystemGuard: core's `createFileSystemGuard` over `[filesystem]`, with every decision
 * it logs (each violation, and each allowed access when `log_all_access` is true) appended to the audit
 * trail as a `file_access` row: actor = the agent, resource = the resolved path (the path as given when it
 * could not be resolved), decision `allow` / `deny` / `log` (a violation let through under
 * `enforce = false`). `runSkill` applies it per skill with `forSkill`. An audit write that fails is logged
 * and does not fail the file access.
 */
export function createWorkerFsGuard({
  config,
  home,
  queue,
  agent,
  log,
}: CreateWorkerFsGuardOptions): FileSystemGuard {
  const audit = createAuditTrail(queue);
  return createFileSystemGuard({
    config,
    home,
    log,
    onDecision: (decision) => {
      try {
        audit.append({
          actor: agent,
          action: 'file_access',
          resource: (decision.resolvedPath || decision.path).slice(0, 4096),
          decision: AUDIT_DECISION[decision.decision],
          reason: decision.reason.slice(0, 2048),
          detail: {
            access: decision.access,
            path: decision.path,
            ...(decision.skill ? { skill: decision.skill } : {}),
            ...(decision.zone ? { zone: decision.zone } : {}),
          },
        });
      } catch (error) {
        log.warn('could not write the file_access audit row', {
          error: toError(error).message,
          path: decision.path,
        });
      }
    },
  });
}
