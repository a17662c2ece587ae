import {
  createFileSystemGuard,
  type FileSystemGuard,
  type FleetConfig,
  type FsGuardDecision,
  type Logger,
  toError,
} from '@biged/core';
import { type AuditAppendRequest, type AuditDecision, createAuditTrail, type TaskQueue } from '@biged/queue';

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
  /**
   * Allowed accesses (`log_all_access`) are written in batches, one transaction per batch, at most this
   * many ms after they happened. Denials and violations are written at once (after the batch before
   * them, so the trail stays in order). Default 250.
   */
  flushMs?: number;
}

/** The worker's guard: a FileSystemGuard whose batched audit rows can be written now. */
export interface WorkerFsGuard extends FileSystemGuard {
  /** Writes the allowed-access rows still waiting. */
  flush(): void;
  /** Flushes and stops the flush timer. */
  close(): void;
}

/** A batch is written at once when it reaches this many rows. */
const MAX_BATCH_ROWS = 200;

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
 * and does not fail the file access. Allowed accesses are batched (`flushMs`): with the default
 * `log_all_access = true`, a skill that reads many files costs one commit per batch, not one per read.
 */
export function createWorkerFsGuard({
  config,
  home,
  queue,
  agent,
  log,
  flushMs = 250,
}: CreateWorkerFsGuardOptions): WorkerFsGuard {
  const audit = createAuditTrail(queue);
  let waiting: AuditAppendRequest[] = [];
  let timer: NodeJS.Timeout | undefined;
  const write = (rows: AuditAppendRequest[]) => {
    try {
      if (rows.length === 1) audit.append(rows[0]!);
      else audit.appendMany(rows);
    } catch (error) {
      log.warn('could not write the file_access audit rows', {
        error: toError(error).message,
        rows: rows.length,
        paths: rows.slice(0, 5).map((row) => row.resource),
      });
    }
  };
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (waiting.length === 0) return;
    const rows = waiting;
    waiting = [];
    write(rows);
  };
  const guard = createFileSystemGuard({
    config,
    home,
    log,
    onDecision: (decision) => {
      const row: AuditAppendRequest = {
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
      };
      if (row.decision !== 'allow') {
        // A denial or violation is written now, after what came before it.
        flush();
        write([row]);
        return;
      }
      waiting.push(row);
      if (waiting.length >= MAX_BATCH_ROWS) flush();
      else if (!timer) {
        timer = setTimeout(flush, flushMs);
        timer.unref();
      }
    },
  });
  return { ...guard, forSkill: guard.forSkill.bind(guard), flush, close: flush };
}
