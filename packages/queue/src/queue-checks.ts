import { DEFAULT_PRIORITY, MAX_PRIORITY, MIN_PRIORITY, parsePayload, type TaskStatus } from '@biged/core';
import { dependencyReason, OPEN_STATUSES, type UnsuccessfulStatus } from './dependency-sql';
import { QueueError } from './errors/queue-error';
import type { AlertRow } from './schema';
import type {
  Alert,
  DependencyFailurePolicy,
  EnqueueRequest,
  RaiseAlertRequest,
  SubmitManyRequest,
} from './task-queue';
import { ALERT_SEVERITIES } from './task-queue';
import { isoOrNull } from './task-row';

// The request checks and row helpers every store shares (createQueue on SQLite, createPostgresStore), so
// the same bad input gets the same QueueError code and message whatever the database. No database code here.

/** Default `maxAttempts` of a task. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Default `timeoutMs` of a task: 10 minutes. */
export const DEFAULT_TIMEOUT_MS = 600_000;
/** Skill names (and alert types): lowercase, starting with a letter, then `a-z 0-9 _ . -`. */
export const SKILL_PATTERN = /^[a-z][a-z0-9_.-]*$/;
/** Most tasks `list` returns. */
export const MAX_LIST_LIMIT = 10_000;
/** Most tasks one claimMany/settle call may claim. */
export const MAX_CLAIM_BATCH = 1000;
/** Most requests in one submitMany call, and most dependencies of one task. */
export const MAX_SUBMIT_BATCH = 10_000;
export const MAX_DEPENDENCIES = 10_000;
/** Longest `ref` in a submitMany batch. */
export const MAX_REF_LENGTH = 200;
/** Default and limits of alerts. */
export const DEFAULT_ALERT_LIMIT = 100;
export const MAX_ALERT_TYPE_LENGTH = 100;
export const MAX_ALERT_MESSAGE_LENGTH = 2000;
export const MAX_ALERT_SOURCE_LENGTH = 200;
/** Error recorded on a task failed by `requeueAgentTasks` after its last attempt. */
export const WORKER_DIED = 'worker died; max attempts reached';
/** Error recorded on a task failed by `recoverStale` after its last attempt. */
export const HEARTBEAT_LOST = 'heartbeat timed out; max attempts reached';

/** The queue options `prepareSubmitRequest` applies (defaults and limits). */
export interface SubmitLimits {
  maxPayloadBytes: number;
  defaultMaxAttempts: number;
  defaultTimeoutMs: number;
}

/**
 * Checks a submit request and parses its payload, before any transaction (shared by every store, so their
 * `QueueError` codes and messages are the same). `label` prefixes messages (`request 3: `).
 */
export function prepareSubmitRequest(
  request: EnqueueRequest | SubmitManyRequest,
  { maxPayloadBytes, defaultMaxAttempts, defaultTimeoutMs }: SubmitLimits,
  label = '',
): PreparedSubmit {
  const { skill, priority = DEFAULT_PRIORITY } = request;
  if (typeof skill !== 'string' || !SKILL_PATTERN.test(skill)) {
    throw new QueueError({
      code: 'QUEUE_INVALID_SKILL',
      message: `${label}invalid skill name ${JSON.stringify(skill)}: use lowercase letters, digits, _ . - (starting with a letter)`,
      hint: 'list the installed skills with `biged skill list`',
    });
  }
  if (!Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
    throw new QueueError({
      code: 'QUEUE_INVALID_PRIORITY',
      message: `${label}priority must be a whole number from ${MIN_PRIORITY} to ${MAX_PRIORITY}, got ${String(priority)}`,
      hint: `use --priority ${MIN_PRIORITY}..${MAX_PRIORITY} (10 is the most urgent)`,
    });
  }
  const maxAttempts = request.maxAttempts ?? defaultMaxAttempts;
  const timeoutMs = request.timeoutMs ?? defaultTimeoutMs;
  assertWholeNumber(`${label}maxAttempts`, maxAttempts, 1);
  assertPositive(`${label}timeoutMs`, timeoutMs);
  const idempotencyKey = request.idempotencyKey ?? null;
  if (idempotencyKey !== null && (typeof idempotencyKey !== 'string' || idempotencyKey === '')) {
    invalid(`${label}idempotencyKey must be a non-empty string`);
  }
  const debounceMs = request.debounceMs ?? null;
  if (debounceMs !== null) {
    assertPositive(`${label}debounceMs`, debounceMs);
    if (idempotencyKey === null) invalid(`${label}debounceMs needs an idempotencyKey to debounce on`);
  }
  const parentId = request.parentId ?? null;
  if (parentId !== null) assertWholeNumber(`${label}parentId`, parentId, 1);
  const onDependencyFailure = request.onDependencyFailure ?? 'fail';
  if (onDependencyFailure !== 'fail' && onDependencyFailure !== 'skip') {
    invalid(
      `${label}onDependencyFailure must be 'fail' or 'skip', got ${JSON.stringify(onDependencyFailure)}`,
    );
  }
  const dependsOn = request.dependsOn ?? [];
  if (!Array.isArray(dependsOn)) invalid(`${label}dependsOn must be an array of task ids`);
  if (dependsOn.length > MAX_DEPENDENCIES) {
    invalid(`${label}dependsOn lists ${dependsOn.length} tasks; at most ${MAX_DEPENDENCIES}`);
  }
  const payload = parsePayload(request.payload, { maxBytes: maxPayloadBytes, skill });
  return {
    skill,
    payloadJson: JSON.stringify(payload),
    priority,
    assignedTo: request.assignedTo ?? null,
    maxAttempts,
    // fleet.toml gives seconds, which may be fractional; the column holds whole milliseconds.
    timeoutMs: Math.ceil(timeoutMs),
    parentId,
    idempotencyKey,
    debounceMs: debounceMs === null ? null : Math.ceil(debounceMs),
    onDependencyFailure,
  };
}

/** A request checked and its payload parsed, ready to insert. */
export interface PreparedSubmit {
  skill: string;
  payloadJson: string;
  priority: number;
  assignedTo: string | null;
  maxAttempts: number;
  timeoutMs: number;
  parentId: number | null;
  idempotencyKey: string | null;
  debounceMs: number | null;
  onDependencyFailure: DependencyFailurePolicy;
}

/** The distinct task ids among `dependsOn` entries (an array no longer than allowed: `prepareSubmit` checked). */
export function dependencyIds(dependsOn: readonly unknown[], label: string): number[] {
  const ids = new Set<number>();
  for (const id of dependsOn) {
    if (typeof id === 'string')
      invalid(`${label}dependsOn ${JSON.stringify(id)}: refs work only within submitMany`);
    assertWholeNumber(`${label}dependsOn entry`, id as number, 1);
    ids.add(id as number);
  }
  return [...ids];
}

/** One batch request's dependencies: existing task ids and refs to other requests of the batch. */
export interface BatchDependencies {
  ids: number[];
  refs: string[];
}

/**
 * Checks the refs of a `submitMany` batch and orders it dependencies first (a topological sort), or throws
 * `QUEUE_DEPENDENCY_NOT_FOUND` (unknown ref) / `QUEUE_DEPENDENCY_CYCLE` with one cycle spelled out.
 */
export function planBatch(requests: readonly SubmitManyRequest[]): {
  order: number[];
  dependencies: BatchDependencies[];
} {
  const indexByRef = new Map<string, number>();
  requests.forEach((request, index) => {
    const { ref } = request;
    if (ref === undefined) return;
    if (typeof ref !== 'string' || ref === '' || ref.length > MAX_REF_LENGTH) {
      invalid(`request ${index}: ref must be a non-empty string of at most ${MAX_REF_LENGTH} characters`);
    }
    if (indexByRef.has(ref))
      invalid(`request ${index}: ref ${JSON.stringify(ref)} is used twice in the batch`);
    indexByRef.set(ref, index);
  });
  const dependencies = requests.map((request, index): BatchDependencies => {
    const label = `request ${index}: `;
    const entries = request.dependsOn ?? [];
    if (!Array.isArray(entries)) invalid(`${label}dependsOn must be an array of task ids and refs`);
    const refs = [...new Set(entries.filter((entry): entry is string => typeof entry === 'string'))];
    for (const ref of refs) {
      if (!indexByRef.has(ref)) {
        throw new QueueError({
          code: 'QUEUE_DEPENDENCY_NOT_FOUND',
          ref,
          message: `${label}dependency ${JSON.stringify(ref)} is not the ref of any request in the batch`,
          hint: 'give the request it means `ref: ...`, or depend on an existing task by its id (a number)',
        });
      }
    }
    return {
      ids: dependencyIds(
        entries.filter((entry) => typeof entry !== 'string'),
        label,
      ),
      refs,
    };
  });
  // Depth-first, in request order, each request after what it references: a batch already listed
  // dependencies first keeps its order (and ids ascend with it). Iterative, so a 10,000-long chain does not
  // exhaust the stack. A reference back to a request still on the path closes a cycle.
  const references = dependencies.map(({ refs }) => refs.map((ref) => indexByRef.get(ref) as number));
  const state = new Uint8Array(requests.length); // 0 unvisited, 1 on the path, 2 placed
  const order: number[] = [];
  for (let root = 0; root < requests.length; root++) {
    if (state[root] !== 0) continue;
    state[root] = 1;
    const path: Array<{ index: number; next: number }> = [{ index: root, next: 0 }];
    while (path.length > 0) {
      const top = path[path.length - 1] as { index: number; next: number };
      const targets = references[top.index] as number[];
      if (top.next === targets.length) {
        state[top.index] = 2;
        order.push(top.index);
        path.pop();
        continue;
      }
      const target = targets[top.next++] as number;
      if (state[target] === 0) {
        state[target] = 1;
        path.push({ index: target, next: 0 });
      } else if (state[target] === 1) {
        const from = path.findIndex((step) => step.index === target);
        const cycle = [...path.slice(from).map((step) => step.index), target].map(
          (index) => requests[index]?.ref as string,
        );
        throw new QueueError({
          code: 'QUEUE_DEPENDENCY_CYCLE',
          ref: cycle[0],
          cycle,
          message: `the batch's dependencies form a cycle (each waits for the next): ${cycle.join(' -> ')}`,
          hint: 'a task cannot wait, directly or through others, for itself',
        });
      }
    }
  }
  return { order, dependencies };
}

export function isLive(expiresAt: number | null, now: number): boolean {
  return expiresAt === null || expiresAt > now;
}

export function byNumber(left: number, right: number): number {
  return left - right;
}

export function serializeResult(result: unknown): string | null {
  return result === undefined ? null : (JSON.stringify(result) ?? null);
}

export function notFound(taskId: number): QueueError {
  return new QueueError({
    code: 'QUEUE_TASK_NOT_FOUND',
    taskId,
    message: `task ${taskId} does not exist`,
    hint: 'list tasks with `biged status`',
  });
}

export function invalid(message: string): never {
  throw new QueueError({ code: 'QUEUE_INVALID_ARGUMENT', message });
}

export function assertWholeNumber(
  name: string,
  value: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    invalid(`${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
}

export function assertPositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    invalid(`${name} must be a number above 0, got ${String(value)}`);
  }
}

/** An alerts row as the API returns it. */
export function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    type: row.type,
    severity: row.severity,
    message: row.message,
    source: row.source,
    createdAt: new Date(row.createdAt).toISOString(),
    acknowledgedAt: isoOrNull(row.acknowledgedAt),
  };
}

/** Throws `QUEUE_INVALID_ARGUMENT` unless `value` is a non-blank string of at most `max` characters. */
export function assertText(what: string, value: unknown, max: number): void {
  if (typeof value !== 'string' || value.trim() === '' || value.length > max)
    invalid(`${what} must be non-empty text of at most ${max} characters`);
}

/** Throws `QUEUE_INVALID_ARGUMENT` for a bad alert type, severity, message or source. */
export function checkAlertRequest({ type, severity, message, source }: RaiseAlertRequest): void {
  if (typeof type !== 'string' || type.length > MAX_ALERT_TYPE_LENGTH || !SKILL_PATTERN.test(type))
    invalid(
      `alert type must match ${SKILL_PATTERN} (at most ${MAX_ALERT_TYPE_LENGTH} characters), got ${JSON.stringify(type)}`,
    );
  if (!ALERT_SEVERITIES.includes(severity))
    invalid(`alert severity must be one of ${ALERT_SEVERITIES.join(', ')}, got ${JSON.stringify(severity)}`);
  assertText('alert message', message, MAX_ALERT_MESSAGE_LENGTH);
  assertText('alert source', source, MAX_ALERT_SOURCE_LENGTH);
}

/** How a new task starts, given the statuses of the tasks it depends on (`dependencyOutcome`). */
export interface DependencyOutcome {
  status: 'PENDING' | 'BLOCKED' | UnsuccessfulStatus;
  /** Dependencies not yet DONE (0 unless BLOCKED). */
  blockedCount: number;
  /** Why it ended at once (a dependency ended without DONE), else null. */
  error: string | null;
}

/**
 * The start of a task that depends on `dependsOn`, from their `rows` (id and status, as read inside the
 * submitting transaction) and its failure policy: BLOCKED while some are open, FAILED or SKIPPED at once when
 * one already ended without DONE (the lowest such id names the reason), else PENDING. Throws
 * `QUEUE_DEPENDENCY_NOT_FOUND` naming the first id without a row. Shared by the SQLite and PostgreSQL stores.
 */
export function dependencyOutcome(
  dependsOn: readonly number[],
  rows: readonly { id: number; status: TaskStatus }[],
  policy: DependencyFailurePolicy,
): DependencyOutcome {
  if (rows.length !== dependsOn.length) {
    const found = new Set(rows.map((row) => row.id));
    const missing = dependsOn.find((id) => !found.has(id)) as number;
    throw new QueueError({
      code: 'QUEUE_DEPENDENCY_NOT_FOUND',
      taskId: missing,
      message: `dependency ${missing} does not exist`,
      hint: 'a task can depend only on tasks that exist; submit the whole graph at once with submitMany',
    });
  }
  let blockedCount = 0;
  let ended: { id: number; status: UnsuccessfulStatus } | undefined;
  for (const row of rows) {
    if ((OPEN_STATUSES as readonly string[]).includes(row.status)) blockedCount += 1;
    else if (row.status !== 'DONE' && (ended === undefined || row.id < ended.id)) {
      ended = { id: row.id, status: row.status as UnsuccessfulStatus };
    }
  }
  if (ended) {
    return {
      status: policy === 'skip' ? 'SKIPPED' : 'FAILED',
      blockedCount: 0,
      error: dependencyReason(ended.id, ended.status),
    };
  }
  return { status: blockedCount > 0 ? 'BLOCKED' : 'PENDING', blockedCount, error: null };
}
