import { hostname } from 'node:os';
import {
  type Agent,
  DEFAULT_MAX_PAYLOAD_BYTES,
  TASK_STATUSES,
  type Task,
  type TaskStatus,
  TERMINAL_STATUSES,
} from '@biged/core';
import type { Statement } from 'better-sqlite3';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { type AuditTrail, createAuditTrail } from './audit-trail';
import { buildClaimSql, FLEET_PAUSED_FLAG } from './claim-sql';
import { createDependencyGraph, DEPENDENCY_SQL, type UnsuccessfulStatus } from './dependency-sql';
import { QueueError } from './errors/queue-error';
import { createHitl, createHitlCancelCloser } from './hitl';
import { createMessaging } from './messages';
import { openDatabase } from './open-database';
import {
  assertPositive,
  assertWholeNumber,
  type BatchDependencies,
  byNumber,
  checkAlertRequest,
  DEFAULT_ALERT_LIMIT,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_TIMEOUT_MS,
  dependencyIds,
  dependencyOutcome,
  HEARTBEAT_LOST,
  invalid,
  isLive,
  MAX_CLAIM_BATCH,
  MAX_LIST_LIMIT,
  MAX_SUBMIT_BATCH,
  notFound,
  type PreparedSubmit,
  planBatch,
  prepareSubmitRequest,
  serializeResult,
  toAlert,
  WORKER_DIED,
} from './queue-checks';
import { attachDatabase } from './queue-database';
import { type AgentListRow, agentFromListRow, countsFromRows, READ_SQL } from './read-sql';
import { agents, alerts, fleetFlags, locks, type TaskRow, tasks } from './schema';
import type {
  Alert,
  ClaimOptions,
  ClaimRequest,
  CreateQueueOptions,
  DependencyFailurePolicy,
  EnqueueRequest,
  FailOptions,
  FleetPause,
  HeartbeatResult,
  ListAlertsOptions,
  ListTasksOptions,
  Lock,
  RaiseAlertRequest,
  RecoveryResult,
  SettleRequest,
  SettleResult,
  SubmitManyRequest,
  SubmitResult,
  TaskDependencies,
  TaskQueue,
  WaitForTaskOptions,
} from './task-queue';
import { TASK_COLUMNS, toAgent, toLock, toTask } from './task-row';

/**
 * The task holding an idempotency key, with the end of its debounce window: one seek in the partial
 * unique index `tasks_idempotency_key_unique` (create-queue.dedupe.test.ts checks the plan).
 */
export const HOLDER_BY_KEY_SQL = `SELECT ${TASK_COLUMNS}, idempotency_expires_at AS idempotencyExpiresAt
  FROM tasks WHERE idempotency_key = ? AND idempotency_released_at IS NULL`;

export { DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT_MS } from './queue-checks';
/** Default wait for the write lock before `QUEUE_DB_LOCKED`: 10 seconds. */
export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens (creating and migrating if needed) the queue database and returns the queue.
 *
 * ```ts
 * const queue = createQueue({ file: paths.db });
 * const task = queue.enqueue({ skill: 'summarize', payload: { path: 'notes.md' }, priority: 9 });
 * const claimed = queue.claim({ agent: 'researcher', preferredSkills: ['web_search'] });
 * ```
 *
 * Throws `QueueError` with `QUEUE_DB_CORRUPT` (the file is not SQLite; it is left untouched),
 * `QUEUE_DB_LOCKED` or `QUEUE_DB_OPEN_FAILED`.
 */
export function createQueue({
  file,
  maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES,
  defaultMaxAttempts = DEFAULT_MAX_ATTEMPTS,
  defaultTimeoutMs = DEFAULT_TIMEOUT_MS,
  busyTimeoutMs = DEFAULT_BUSY_TIMEOUT_MS,
  host = hostname(),
  clock = () => Date.now(),
}: CreateQueueOptions): TaskQueue {
  assertWholeNumber('defaultMaxAttempts', defaultMaxAttempts, 1);
  assertPositive('defaultTimeoutMs', defaultTimeoutMs);
  assertWholeNumber('maxPayloadBytes', maxPayloadBytes, 1);
  if (!(busyTimeoutMs >= 0)) invalid(`busyTimeoutMs must be 0 or more, got ${busyTimeoutMs}`);

  const { sqlite, orm, retry } = openDatabase({ file, busyTimeoutMs });

  // One reusable transaction wrapper: `write(fn)` runs fn inside BEGIN IMMEDIATE, retried on SQLITE_BUSY.
  // IMMEDIATE takes the write lock up front, so a transaction never fails half-way on a lock upgrade.
  const transaction = sqlite.transaction((body: () => unknown) => body());
  const write = <T>(body: () => T): T => retry(() => transaction.immediate(body) as T);
  const read = <T>(body: () => T): T => retry(body);

  const statements = {
    insertTask: sqlite.prepare(
      `INSERT INTO tasks (skill, payload_json, priority, status, assigned_to, attempts, max_attempts,
         timeout_ms, error, parent_id, idempotency_key, idempotency_expires_at, blocked_count,
         on_dependency_failure, created_at, finished_at)
       VALUES (@skill, @payloadJson, @priority, @status, @assignedTo, 0, @maxAttempts, @timeoutMs,
         @error, @parentId, @idempotencyKey, @idempotencyExpiresAt, @blockedCount,
         @onDependencyFailure, @now, @finishedAt)
       RETURNING ${TASK_COLUMNS}`,
    ),
    byIdempotencyKey: sqlite.prepare(HOLDER_BY_KEY_SQL),
    releaseIdempotencyKey: sqlite.prepare('UPDATE tasks SET idempotency_released_at = @now WHERE id = @id'),
    dependencyStatuses: sqlite.prepare(DEPENDENCY_SQL.statuses),
    dependsOn: sqlite.prepare(DEPENDENCY_SQL.dependsOn).pluck(),
    dependents: sqlite.prepare(DEPENDENCY_SQL.dependents).pluck(),
    dependencyState: sqlite.prepare(
      'SELECT blocked_count AS blockedCount, on_dependency_failure AS onDependencyFailure FROM tasks WHERE id = ?',
    ),
    byId: sqlite.prepare(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ?`),
    exists: sqlite.prepare('SELECT 1 FROM tasks WHERE id = ?').pluck(),
    heartbeat: sqlite.prepare(
      `UPDATE tasks SET heartbeat_at = @now WHERE id = @id AND status = 'RUNNING' AND claimed_by = @agent`,
    ),
    status: sqlite.prepare('SELECT status FROM tasks WHERE id = ?').pluck(),
    complete: sqlite.prepare(
      `UPDATE tasks SET status = 'DONE', result_json = @resultJson, error = NULL, finished_at = @now
       WHERE id = @id AND status = 'RUNNING' AND claimed_by = @agent`,
    ),
    // One statement decides between "back to PENDING" and FAILED, so the check and the change are atomic.
    fail: sqlite.prepare(
      `UPDATE tasks SET
         status = CASE WHEN @retry AND attempts < max_attempts THEN 'PENDING' ELSE 'FAILED' END,
         claimed_by = CASE WHEN @retry AND attempts < max_attempts THEN NULL ELSE claimed_by END,
         claimed_at = CASE WHEN @retry AND attempts < max_attempts THEN NULL ELSE claimed_at END,
         heartbeat_at = CASE WHEN @retry AND attempts < max_attempts THEN NULL ELSE heartbeat_at END,
         finished_at = CASE WHEN @retry AND attempts < max_attempts THEN NULL ELSE @now END,
         error = @error
       WHERE id = @id AND status = 'RUNNING' AND claimed_by = @agent
       RETURNING ${TASK_COLUMNS}`,
    ),
    cancel: sqlite.prepare(
      `UPDATE tasks SET status = 'CANCELLED', finished_at = @now WHERE id = @id RETURNING ${TASK_COLUMNS}`,
    ),
    failAgentTasks: sqlite
      .prepare(
        `UPDATE tasks SET status = 'FAILED', error = @error, finished_at = @now
       WHERE claimed_by = @agent AND status = 'RUNNING' AND attempts >= max_attempts RETURNING id`,
      )
      .pluck(),
    requeueAgentTasks: sqlite
      .prepare(
        `UPDATE tasks SET status = 'PENDING', claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL,
         error = @error
       WHERE claimed_by = @agent AND status = 'RUNNING' RETURNING id`,
      )
      .pluck(),
    failStale: sqlite
      .prepare(
        `UPDATE tasks SET status = 'FAILED', error = @error, finished_at = @now
       WHERE status = 'RUNNING' AND coalesce(heartbeat_at, claimed_at, 0) < @cutoff
         AND attempts >= max_attempts RETURNING id`,
      )
      .pluck(),
    requeueStale: sqlite
      .prepare(
        `UPDATE tasks SET status = 'PENDING', claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL,
         error = @error
       WHERE status = 'RUNNING' AND coalesce(heartbeat_at, claimed_at, 0) < @cutoff RETURNING id`,
      )
      .pluck(),
    // Take the lock when it is free, expired, or ours; keep acquired_at when we already hold it.
    acquireLock: sqlite.prepare(
      `INSERT INTO locks (name, owner, acquired_at, expires_at) VALUES (@name, @owner, @now, @expiresAt)
       ON CONFLICT (name) DO UPDATE SET
         acquired_at = CASE
           WHEN locks.owner = excluded.owner AND (locks.expires_at IS NULL OR locks.expires_at > @now)
           THEN locks.acquired_at ELSE excluded.acquired_at END,
         owner = excluded.owner,
         expires_at = excluded.expires_at
       WHERE locks.owner = excluded.owner OR (locks.expires_at IS NOT NULL AND locks.expires_at <= @now)`,
    ),
    // Every task an agent holds, when none of them was started (settle's `releaseHeld`).
    releaseHeld: sqlite.prepare(
      `UPDATE tasks SET status = 'PENDING', claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL,
         attempts = max(attempts - 1, 0)
       WHERE claimed_by = @agent AND status = 'RUNNING'`,
    ),
    // A claimed task that was never started goes back as if it had never been claimed.
    release: sqlite.prepare(
      `UPDATE tasks SET status = 'PENDING', claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL,
         attempts = max(attempts - 1, 0)
       WHERE id = @id AND status = 'RUNNING' AND claimed_by = @agent`,
    ),
    listAgents: sqlite.prepare(READ_SQL.listAgents),
    counts: sqlite.prepare(READ_SQL.counts),
    releaseLock: sqlite.prepare('DELETE FROM locks WHERE name = ?'),
    releaseOwnedLock: sqlite.prepare('DELETE FROM locks WHERE name = ? AND owner = ?'),
  };
  const graph = createDependencyGraph(sqlite);
  const closeCancelledHitl = createHitlCancelCloser(sqlite);

  // The claim statement has six shapes (with/without a skill list, with/without preferred skills, and
  // with excluded skills when there is no list); each is prepared on first use.
  const claimStatements = new Map<string, Statement>();
  const claimStatement = (skills: boolean, preferred: boolean, exclude: boolean): Statement => {
    const key = `${skills}:${preferred}:${exclude}`;
    let statement = claimStatements.get(key);
    if (!statement) {
      statement = sqlite.prepare(buildClaimSql({ skills, preferred, exclude }));
      claimStatements.set(key, statement);
    }
    return statement;
  };

  /** Claims inside the caller's transaction. */
  const claimIn = (
    agent: string,
    { skills: listed, preferredSkills, excludeSkills }: ClaimOptions,
    now: number,
  ): Task | undefined => {
    // Excluded skills leave the skill list; without a list they become a NOT IN filter.
    const excluded = excludeSkills && excludeSkills.length > 0 ? excludeSkills : undefined;
    const skills = excluded && listed ? listed.filter((skill) => !excluded.includes(skill)) : listed;
    if (skills && skills.length === 0) return undefined;
    const preferred =
      preferredSkills?.filter((skill) => (!skills || skills.includes(skill)) && !excluded?.includes(skill)) ??
      [];
    const parameters: Record<string, string | number> = { agent, now };
    if (skills) parameters.skills = JSON.stringify([...new Set(skills)]);
    if (preferred.length > 0) parameters.preferred = JSON.stringify([...new Set(preferred)]);
    const exclude = excluded !== undefined && skills === undefined;
    if (exclude) parameters.exclude = JSON.stringify([...new Set(excluded)]);
    const row = claimStatement(skills !== undefined, preferred.length > 0, exclude).get(parameters) as
      | TaskRow
      | undefined;
    return row ? toTask(row) : undefined;
  };

  /** Up to `limit` claims inside the caller's transaction (one statement each, no extra commit). */
  const claimManyIn = (agent: string, options: ClaimOptions, limit: number, now: number): Task[] => {
    const claimed: Task[] = [];
    while (claimed.length < limit) {
      const task = claimIn(agent, options, now);
      if (!task) break;
      claimed.push(task);
    }
    return claimed;
  };

  /**
   * Completes inside the caller's transaction, without touching dependents: callers promote them
   * (`graph.completed` / `graph.completedMany`) before the transaction ends.
   */
  const completeOnlyIn = (taskId: number, agent: string, resultJson: string | null, now: number): boolean =>
    statements.complete.run({ id: taskId, agent, resultJson, now }).changes === 1;

  /** Completes inside the caller's transaction and promotes the task's dependents in it. */
  const completeIn = (taskId: number, agent: string, resultJson: string | null, now: number): boolean => {
    if (!completeOnlyIn(taskId, agent, resultJson, now)) return false;
    graph.completed(taskId);
    return true;
  };

  const failIn = (taskId: number, agent: string, error: string, retryTask: boolean, now: number) => {
    const row = statements.fail.get({ id: taskId, agent, error, retry: retryTask ? 1 : 0, now }) as
      | TaskRow
      | undefined;
    if (row?.status === 'FAILED') graph.ended(row.id, 'FAILED', now);
    return row ? toTask(row) : undefined;
  };

  /** Fails the dependents of tasks that recovery just marked FAILED (inside its transaction). */
  const endAll = (failed: readonly number[], now: number): void => {
    for (const taskId of failed) graph.ended(taskId, 'FAILED', now);
  };

  /** Checks a request and parses its payload, before any transaction. */
  const limits = { maxPayloadBytes, defaultMaxAttempts, defaultTimeoutMs };
  const prepareSubmit = (request: EnqueueRequest | SubmitManyRequest, label = ''): PreparedSubmit =>
    prepareSubmitRequest(request, limits, label);

  /**
   * Inserts one prepared task inside the caller's transaction (or returns the holder of its key).
   * `dependsOn` holds distinct task ids.
   */
  const submitIn = (prepared: PreparedSubmit, dependsOn: readonly number[], now: number): SubmitResult => {
    const { idempotencyKey, debounceMs, parentId } = prepared;
    if (idempotencyKey !== null) {
      // Look the key up first: an INSERT that hits the UNIQUE key would still use up an AUTOINCREMENT id.
      const holder = statements.byIdempotencyKey.get(idempotencyKey) as
        | (TaskRow & { idempotencyExpiresAt: number | null })
        | undefined;
      if (holder) {
        if (holder.idempotencyExpiresAt === null || now < holder.idempotencyExpiresAt) {
          return { task: toTask(holder), duplicate: true };
        }
        // Its debounce window has passed: the new task takes the key over.
        statements.releaseIdempotencyKey.run({ id: holder.id, now });
      }
    }
    if (parentId !== null && statements.exists.get(parentId) === undefined) {
      throw new QueueError({
        code: 'QUEUE_TASK_NOT_FOUND',
        taskId: parentId,
        message: `parent task ${parentId} does not exist`,
      });
    }
    let status: 'PENDING' | 'BLOCKED' | UnsuccessfulStatus = 'PENDING';
    let blockedCount = 0;
    let error: string | null = null;
    if (dependsOn.length > 0) {
      const rows = statements.dependencyStatuses.all({ ids: JSON.stringify(dependsOn) }) as Array<{
        id: number;
        status: TaskStatus;
      }>;
      ({ status, blockedCount, error } = dependencyOutcome(dependsOn, rows, prepared.onDependencyFailure));
    }
    const row = statements.insertTask.get({
      skill: prepared.skill,
      payloadJson: prepared.payloadJson,
      priority: prepared.priority,
      status,
      assignedTo: prepared.assignedTo,
      maxAttempts: prepared.maxAttempts,
      timeoutMs: prepared.timeoutMs,
      error,
      parentId,
      idempotencyKey,
      idempotencyExpiresAt: debounceMs === null ? null : now + debounceMs,
      blockedCount,
      onDependencyFailure: prepared.onDependencyFailure,
      now,
      finishedAt: error === null ? null : now,
    }) as TaskRow;
    graph.link(row.id, dependsOn);
    return { task: toTask(row), duplicate: false };
  };

  const getTask = (taskId: number): Task | undefined => {
    const row = read(() => statements.byId.get(taskId)) as TaskRow | undefined;
    return row ? toTask(row) : undefined;
  };

  const getOrThrow = (taskId: number): Task => {
    const task = getTask(taskId);
    if (!task) throw notFound(taskId);
    return task;
  };

  const hitl = createHitl(
    { sqlite, retry, clock },
    { enqueueIn: (request, now) => submitIn(prepareSubmit(request), [], now).task, graph },
  );
  let audit: AuditTrail | undefined;
  const queue: TaskQueue = {
    file,

    enqueue(request: EnqueueRequest): Task {
      return queue.submit(request).task;
    },

    submit(request: EnqueueRequest): SubmitResult {
      const prepared = prepareSubmit(request);
      const dependsOn = dependencyIds(request.dependsOn ?? [], '');
      return write(() => submitIn(prepared, dependsOn, clock()));
    },

    submitMany(requests: readonly SubmitManyRequest[]): SubmitResult[] {
      if (!Array.isArray(requests)) invalid('submitMany takes an array of requests');
      if (requests.length > MAX_SUBMIT_BATCH) {
        invalid(`submitMany got ${requests.length} requests; at most ${MAX_SUBMIT_BATCH}`);
      }
      const prepared = requests.map((request, index) => prepareSubmit(request, `request ${index}: `));
      const plan = planBatch(requests);
      return write(() => {
        const now = clock();
        const results: SubmitResult[] = new Array(requests.length);
        const idsByRef = new Map<string, number>();
        for (const index of plan.order) {
          const { ids, refs } = plan.dependencies[index] as BatchDependencies;
          const dependsOn = [...new Set([...ids, ...refs.map((ref) => idsByRef.get(ref) as number)])];
          const result = submitIn(prepared[index] as PreparedSubmit, dependsOn, now);
          results[index] = result;
          const ref = requests[index]?.ref;
          if (ref !== undefined) idsByRef.set(ref, result.task.id);
        }
        return results;
      });
    },

    dependencies(taskId: number): TaskDependencies {
      // One read transaction: the three reads see the same snapshot while other processes write.
      return read(
        () =>
          transaction.deferred(() => {
            const state = statements.dependencyState.get(taskId) as
              | { blockedCount: number; onDependencyFailure: DependencyFailurePolicy }
              | undefined;
            if (!state) throw notFound(taskId);
            return {
              taskId,
              dependsOn: statements.dependsOn.all({ id: taskId }) as number[],
              dependents: statements.dependents.all({ id: taskId }) as number[],
              ...state,
            };
          }) as TaskDependencies,
      );
    },

    claim({ agent, ...options }: ClaimRequest): Task | undefined {
      if (options.skills && options.skills.length === 0) return undefined;
      return write(() => claimIn(agent, options, clock()));
    },

    heartbeat(taskId: number, agent: string): HeartbeatResult {
      return write(() => {
        if (statements.heartbeat.run({ id: taskId, agent, now: clock() }).changes === 1) {
          return { cancelled: false, lost: false };
        }
        return { cancelled: statements.status.get(taskId) === 'CANCELLED', lost: true };
      });
    },

    complete(taskId: number, agent: string, result?: unknown): boolean {
      const resultJson = serializeResult(result);
      return write(() => completeIn(taskId, agent, resultJson, clock()));
    },

    fail(taskId: number, agent: string, error: string, { retry: retryTask = true }: FailOptions = {}) {
      return write(() => failIn(taskId, agent, error, retryTask, clock()));
    },

    completeAndClaim(taskId, agent, result, claim = {}) {
      const resultJson = serializeResult(result);
      return write(() => {
        const now = clock();
        const completed = completeIn(taskId, agent, resultJson, now);
        return { completed, next: claimIn(agent, claim, now) };
      });
    },

    failAndClaim(taskId, agent, error, claim = {}, { retry: retryTask = true } = {}) {
      return write(() => {
        const now = clock();
        const failed = failIn(taskId, agent, error, retryTask, now);
        return { failed, next: claimIn(agent, claim, now) };
      });
    },

    claimMany({ agent, ...options }: ClaimRequest, limit: number): Task[] {
      assertWholeNumber('limit', limit, 1, MAX_CLAIM_BATCH);
      if (options.skills && options.skills.length === 0) return [];
      return write(() => claimManyIn(agent, options, limit, clock()));
    },

    settle({
      agent,
      completed = [],
      failed = [],
      released = [],
      releaseHeld = false,
      claim,
      limit = 1,
    }: SettleRequest): SettleResult {
      assertWholeNumber('limit', limit, 1, MAX_CLAIM_BATCH);
      const results = completed.map(({ taskId, result }) => ({
        taskId,
        resultJson: serializeResult(result),
      }));
      return write(() => {
        const now = clock();
        // One promotion statement for the whole batch (not one per task), before the claim below.
        const done: number[] = [];
        for (const { taskId, resultJson } of results) {
          if (completeOnlyIn(taskId, agent, resultJson, now)) done.push(taskId);
        }
        graph.completedMany(done);
        const failedTasks: Task[] = [];
        for (const { taskId, error, retry: retryTask = true } of failed) {
          const task = failIn(taskId, agent, error, retryTask, now);
          if (task) failedTasks.push(task);
        }
        let releasedCount = 0;
        for (const taskId of released) releasedCount += statements.release.run({ id: taskId, agent }).changes;
        if (releaseHeld) releasedCount += statements.releaseHeld.run({ agent }).changes;
        const next =
          claim && !(claim.skills && claim.skills.length === 0) ? claimManyIn(agent, claim, limit, now) : [];
        return { completed: done.length, failed: failedTasks, released: releasedCount, next };
      });
    },

    cancel(taskId: number): Task {
      const row = write(() => {
        const status = statements.status.get(taskId) as TaskStatus | undefined;
        if (status === undefined) throw notFound(taskId);
        if (TERMINAL_STATUSES.includes(status)) {
          throw new QueueError({
            code: 'QUEUE_INVALID_TRANSITION',
            taskId,
            message: `task ${taskId} is already ${status} and cannot be cancelled`,
          });
        }
        const now = clock();
        const cancelled = statements.cancel.get({ id: taskId, now }) as TaskRow;
        graph.cancelled(taskId, now);
        // A WAITING_HUMAN task (or one in the cascade) leaves no open request behind (hitl.ts).
        closeCancelledHitl(now);
        return cancelled;
      });
      return toTask(row);
    },

    get: getTask,
    getOrThrow,

    list({ status, skill, limit = 50 }: ListTasksOptions = {}): Task[] {
      assertWholeNumber('limit', limit, 1, MAX_LIST_LIMIT);
      const where = and(
        status === undefined ? undefined : eq(tasks.status, status),
        skill === undefined ? undefined : eq(tasks.skill, skill),
      );
      const rows = read(() =>
        orm.select().from(tasks).where(where).orderBy(desc(tasks.id)).limit(limit).all(),
      );
      return rows.map(toTask);
    },

    counts(): Record<TaskStatus, number> {
      const rows = read(() => statements.counts.all()) as { status: TaskStatus; count: number }[];
      return countsFromRows(TASK_STATUSES, rows);
    },

    requeueAgentTasks(agent: string): RecoveryResult {
      return write(() => {
        const now = clock();
        const failed = statements.failAgentTasks.all({ agent, error: WORKER_DIED, now }) as number[];
        endAll(failed, now);
        const requeued = statements.requeueAgentTasks.all({
          agent,
          error: 'worker died; requeued',
        }) as number[];
        return { requeued: requeued.sort(byNumber), failed: failed.sort(byNumber) };
      });
    },

    recoverStale({ olderThanMs, now }): RecoveryResult {
      if (!(olderThanMs >= 0)) invalid(`olderThanMs must be 0 or more, got ${olderThanMs}`);
      const time = now === undefined ? clock() : now instanceof Date ? now.getTime() : now;
      const cutoff = time - olderThanMs;
      return write(() => {
        const failed = statements.failStale.all({ cutoff, error: HEARTBEAT_LOST, now: time }) as number[];
        endAll(failed, time);
        const requeued = statements.requeueStale.all({
          cutoff,
          error: 'heartbeat timed out; requeued',
        }) as number[];
        return { requeued: requeued.sort(byNumber), failed: failed.sort(byNumber) };
      });
    },

    registerAgent({
      name,
      role,
      pid,
      host: agentHost = host,
      status = 'STARTING',
      incrementRestarts = false,
    }) {
      const now = clock();
      const row = write(() =>
        orm
          .insert(agents)
          .values({
            name,
            role,
            status,
            pid,
            host: agentHost,
            lastHeartbeat: now,
            startedAt: now,
            restarts: 0,
          })
          .onConflictDoUpdate({
            target: agents.name,
            set: {
              role,
              status,
              pid,
              host: agentHost,
              lastHeartbeat: now,
              startedAt: now,
              currentTaskId: null,
              restarts: incrementRestarts ? sql`${agents.restarts} + 1` : sql`${agents.restarts}`,
            },
          })
          .returning()
          .get(),
      );
      return toAgent(row);
    },

    agentHeartbeat(name, { status, currentTaskId, pid }): boolean {
      const result = write(() =>
        orm
          .update(agents)
          .set({ status, currentTaskId, lastHeartbeat: clock(), ...(pid === undefined ? {} : { pid }) })
          .where(eq(agents.name, name))
          .run(),
      );
      return result.changes === 1;
    },

    setAgentStatus(name, status): boolean {
      const result = write(() => orm.update(agents).set({ status }).where(eq(agents.name, name)).run());
      return result.changes === 1;
    },

    listAgents(): Agent[] {
      return (read(() => statements.listAgents.all()) as AgentListRow[]).map(agentFromListRow);
    },

    acquireLock(name: string, owner: string, ttlMs: number): boolean {
      if (!(ttlMs > 0)) invalid(`ttlMs must be more than 0 (or Infinity), got ${ttlMs}`);
      const now = clock();
      const expiresAt = ttlMs === Number.POSITIVE_INFINITY ? null : now + Math.ceil(ttlMs);
      return write(() => statements.acquireLock.run({ name, owner, now, expiresAt }).changes === 1);
    },

    releaseLock(name: string, owner?: string): boolean {
      return (
        write(() =>
          owner === undefined
            ? statements.releaseLock.run(name)
            : statements.releaseOwnedLock.run(name, owner),
        ).changes === 1
      );
    },

    getLock(name: string): Lock | undefined {
      const row = read(() => orm.select().from(locks).where(eq(locks.name, name)).get());
      return row && isLive(row.expiresAt, clock()) ? toLock(row) : undefined;
    },

    listLocks(): Lock[] {
      const now = clock();
      return read(() => orm.select().from(locks).orderBy(asc(locks.name)).all())
        .filter((row) => isLive(row.expiresAt, now))
        .map(toLock);
    },

    setFleetPaused(paused: boolean, by: string): FleetPause {
      if (typeof by !== 'string' || by.length === 0 || by.length > 200) {
        invalid('by must be a non-empty string of at most 200 characters');
      }
      write(() =>
        paused
          ? orm
              .insert(fleetFlags)
              .values({ name: FLEET_PAUSED_FLAG, setBy: by, setAt: clock() })
              .onConflictDoNothing()
              .run()
          : orm.delete(fleetFlags).where(eq(fleetFlags.name, FLEET_PAUSED_FLAG)).run(),
      );
      return queue.fleetPause();
    },

    fleetPause(): FleetPause {
      const row = read(() =>
        orm.select().from(fleetFlags).where(eq(fleetFlags.name, FLEET_PAUSED_FLAG)).get(),
      );
      return row
        ? { paused: true, by: row.setBy, since: new Date(row.setAt).toISOString() }
        : { paused: false, by: null, since: null };
    },

    raiseAlert(request: RaiseAlertRequest): Alert {
      checkAlertRequest(request);
      const { type, severity, message, source } = request;
      const createdAt = clock();
      const row = write(() =>
        orm.insert(alerts).values({ type, severity, message, source, createdAt }).returning().get(),
      );
      return toAlert(row);
    },

    listAlerts({ activeOnly = false, limit = DEFAULT_ALERT_LIMIT }: ListAlertsOptions = {}): Alert[] {
      assertWholeNumber('limit', limit, 1);
      if (limit > MAX_LIST_LIMIT) invalid(`limit must be at most ${MAX_LIST_LIMIT}, got ${limit}`);
      return read(() =>
        orm
          .select()
          .from(alerts)
          .where(activeOnly ? sql`${alerts.acknowledgedAt} IS NULL` : undefined)
          .orderBy(desc(alerts.createdAt), desc(alerts.id))
          .limit(limit)
          .all(),
      ).map(toAlert);
    },

    acknowledgeAlert(alertId: number): Alert {
      assertWholeNumber('alertId', alertId, 1);
      const now = clock();
      const row = write(() => {
        orm
          .update(alerts)
          .set({ acknowledgedAt: now })
          .where(and(eq(alerts.id, alertId), sql`${alerts.acknowledgedAt} IS NULL`))
          .run();
        return orm.select().from(alerts).where(eq(alerts.id, alertId)).get();
      });
      if (!row)
        throw new QueueError({
          code: 'QUEUE_ALERT_NOT_FOUND',
          message: `no alert with id ${alertId}`,
          alertId,
        });
      return toAlert(row);
    },

    async waitForTask(taskId: number, { signal, pollMs = 25, maxPollMs = 500 }: WaitForTaskOptions = {}) {
      let interval = Math.max(1, pollMs);
      for (;;) {
        signal?.throwIfAborted();
        const task = getOrThrow(taskId);
        if (TERMINAL_STATUSES.includes(task.status)) return task;
        await delay(interval, signal);
        interval = Math.min(Math.max(interval, maxPollMs), interval * 1.5);
      }
    },

    close(): void {
      if (sqlite.open) sqlite.close();
    },

    ...createMessaging({ sqlite, retry, clock }, maxPayloadBytes),

    ...hitl,

    // Every answer is an audit row (actor = the responder), written in the answer's own transaction: the
    // inner transactions become savepoints, so the answer and its row are stored together or not at all.
    answerHitl(requestId, answer) {
      return write(() => {
        const result = hitl.answerHitl(requestId, answer);
        audit ??= createAuditTrail(queue);
        audit.append({
          actor: result.request.responder ?? answer.responder,
          action: 'hitl_answer',
          resource: `hitl:${requestId}`,
          decision: 'allow',
          reason: result.request.status,
          detail: { task_id: result.task.id, follow_up_task_id: result.followUp?.id ?? null },
        });
        return result;
      });
    },
  };
  attachDatabase(queue, { sqlite, retry, clock });
  return queue;
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
