import { hostname } from 'node:os';
import {
  type Agent,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_PRIORITY,
  MAX_PRIORITY,
  MIN_PRIORITY,
  parsePayload,
  TASK_STATUSES,
  type Task,
  type TaskStatus,
  TERMINAL_STATUSES,
} from '@biged/core';
import type { Statement } from 'better-sqlite3';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { buildClaimSql } from './claim-sql';
import { QueueError } from './errors/queue-error';
import { openDatabase } from './open-database';
import { attachDatabase } from './queue-database';
import { type AgentRow, agents, locks, type TaskRow, tasks } from './schema';
import type {
  ClaimOptions,
  ClaimRequest,
  CreateQueueOptions,
  EnqueueRequest,
  FailOptions,
  HeartbeatResult,
  ListTasksOptions,
  Lock,
  RecoveryResult,
  SettleRequest,
  SettleResult,
  TaskQueue,
  WaitForTaskOptions,
} from './task-queue';
import { TASK_COLUMNS, toAgent, toLock, toTask } from './task-row';

/** Default `maxAttempts` of a task. */
export const DEFAULT_MAX_ATTEMPTS = 3;
/** Default `timeoutMs` of a task: 10 minutes. */
export const DEFAULT_TIMEOUT_MS = 600_000;
/** Default wait for the write lock before `QUEUE_DB_LOCKED`: 10 seconds. */
export const DEFAULT_BUSY_TIMEOUT_MS = 10_000;

const SKILL_PATTERN = /^[a-z][a-z0-9_.-]*$/;
const MAX_LIST_LIMIT = 10_000;
/** Most tasks one claimMany/settle call may claim. */
const MAX_CLAIM_BATCH = 1000;
/** Error recorded on a task failed by `requeueAgentTasks` after its last attempt. */
const WORKER_DIED = 'worker died; max attempts reached';
/** Error recorded on a task failed by `recoverStale` after its last attempt. */
const HEARTBEAT_LOST = 'heartbeat timed out; max attempts reached';

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
         timeout_ms, parent_id, idempotency_key, created_at)
       VALUES (@skill, @payloadJson, @priority, 'PENDING', @assignedTo, 0, @maxAttempts, @timeoutMs,
         @parentId, @idempotencyKey, @now)
       RETURNING ${TASK_COLUMNS}`,
    ),
    byIdempotencyKey: sqlite.prepare(`SELECT ${TASK_COLUMNS} FROM tasks WHERE idempotency_key = ?`),
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
    // A claimed task that was never started goes back as if it had never been claimed.
    release: sqlite.prepare(
      `UPDATE tasks SET status = 'PENDING', claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL,
         attempts = max(attempts - 1, 0)
       WHERE id = @id AND status = 'RUNNING' AND claimed_by = @agent`,
    ),
    listAgents: sqlite.prepare(
      `SELECT name, role, status, pid, host, last_heartbeat AS lastHeartbeat,
         current_task_id AS currentTaskId, started_at AS startedAt, restarts,
         (SELECT id FROM tasks WHERE claimed_by = agents.name AND status = 'RUNNING' ORDER BY id LIMIT 1)
           AS runningTaskId
       FROM agents ORDER BY name`,
    ),
    releaseLock: sqlite.prepare('DELETE FROM locks WHERE name = ?'),
    releaseOwnedLock: sqlite.prepare('DELETE FROM locks WHERE name = ? AND owner = ?'),
  };

  // The claim statement has four shapes (with/without a skill list, with/without preferred skills);
  // each is prepared on first use.
  const claimStatements = new Map<string, Statement>();
  const claimStatement = (skills: boolean, preferred: boolean): Statement => {
    const key = `${skills}:${preferred}`;
    let statement = claimStatements.get(key);
    if (!statement) {
      statement = sqlite.prepare(buildClaimSql({ skills, preferred }));
      claimStatements.set(key, statement);
    }
    return statement;
  };

  /** Claims inside the caller's transaction. */
  const claimIn = (
    agent: string,
    { skills, preferredSkills }: ClaimOptions,
    now: number,
  ): Task | undefined => {
    if (skills && skills.length === 0) return undefined;
    const preferred = preferredSkills?.filter((skill) => !skills || skills.includes(skill)) ?? [];
    const parameters: Record<string, string | number> = { agent, now };
    if (skills) parameters.skills = JSON.stringify([...new Set(skills)]);
    if (preferred.length > 0) parameters.preferred = JSON.stringify([...new Set(preferred)]);
    const row = claimStatement(skills !== undefined, preferred.length > 0).get(parameters) as
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

  const completeIn = (taskId: number, agent: string, resultJson: string | null, now: number): boolean =>
    statements.complete.run({ id: taskId, agent, resultJson, now }).changes === 1;

  const failIn = (taskId: number, agent: string, error: string, retryTask: boolean, now: number) => {
    const row = statements.fail.get({ id: taskId, agent, error, retry: retryTask ? 1 : 0, now }) as
      | TaskRow
      | undefined;
    return row ? toTask(row) : undefined;
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

  const queue: TaskQueue = {
    file,

    enqueue(request: EnqueueRequest): Task {
      const { skill, priority = DEFAULT_PRIORITY } = request;
      if (typeof skill !== 'string' || !SKILL_PATTERN.test(skill)) {
        throw new QueueError({
          code: 'QUEUE_INVALID_SKILL',
          message: `invalid skill name ${JSON.stringify(skill)}: use lowercase letters, digits, _ . - (starting with a letter)`,
          hint: 'list the installed skills with `biged skill list`',
        });
      }
      if (!Number.isInteger(priority) || priority < MIN_PRIORITY || priority > MAX_PRIORITY) {
        throw new QueueError({
          code: 'QUEUE_INVALID_PRIORITY',
          message: `priority must be a whole number from ${MIN_PRIORITY} to ${MAX_PRIORITY}, got ${String(priority)}`,
          hint: `use --priority ${MIN_PRIORITY}..${MAX_PRIORITY} (10 is the most urgent)`,
        });
      }
      const maxAttempts = request.maxAttempts ?? defaultMaxAttempts;
      const timeoutMs = request.timeoutMs ?? defaultTimeoutMs;
      assertWholeNumber('maxAttempts', maxAttempts, 1);
      assertPositive('timeoutMs', timeoutMs);
      const idempotencyKey = request.idempotencyKey ?? null;
      if (idempotencyKey !== null && (typeof idempotencyKey !== 'string' || idempotencyKey === '')) {
        invalid('idempotencyKey must be a non-empty string');
      }
      const parentId = request.parentId ?? null;
      if (parentId !== null) assertWholeNumber('parentId', parentId, 1);
      const payload = parsePayload(request.payload, { maxBytes: maxPayloadBytes, skill });
      const parameters = {
        skill,
        payloadJson: JSON.stringify(payload),
        priority,
        assignedTo: request.assignedTo ?? null,
        maxAttempts,
        // fleet.toml gives seconds, which may be fractional; the column holds whole milliseconds.
        timeoutMs: Math.ceil(timeoutMs),
        parentId,
        idempotencyKey,
        now: clock(),
      };
      const row = write(() => {
        if (parentId !== null && statements.exists.get(parentId) === undefined) {
          throw new QueueError({
            code: 'QUEUE_TASK_NOT_FOUND',
            taskId: parentId,
            message: `parent task ${parentId} does not exist`,
          });
        }
        // Look the key up first: an INSERT that hits the UNIQUE key would still use up an AUTOINCREMENT id.
        const existing =
          idempotencyKey === null ? undefined : statements.byIdempotencyKey.get(idempotencyKey);
        return (existing ?? statements.insertTask.get(parameters)) as TaskRow;
      });
      return toTask(row);
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
        let completedCount = 0;
        for (const { taskId, resultJson } of results) {
          if (completeIn(taskId, agent, resultJson, now)) completedCount += 1;
        }
        const failedTasks: Task[] = [];
        for (const { taskId, error, retry: retryTask = true } of failed) {
          const task = failIn(taskId, agent, error, retryTask, now);
          if (task) failedTasks.push(task);
        }
        for (const taskId of released) statements.release.run({ id: taskId, agent });
        const next =
          claim && !(claim.skills && claim.skills.length === 0) ? claimManyIn(agent, claim, limit, now) : [];
        return { completed: completedCount, failed: failedTasks, next };
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
        return statements.cancel.get({ id: taskId, now: clock() }) as TaskRow;
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
      const rows = read(() =>
        orm
          .select({ status: tasks.status, count: sql<number>`count(*)` })
          .from(tasks)
          .groupBy(tasks.status)
          .all(),
      );
      const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<
        TaskStatus,
        number
      >;
      for (const row of rows) counts[row.status] = row.count;
      return counts;
    },

    requeueAgentTasks(agent: string): RecoveryResult {
      return write(() => {
        const now = clock();
        const failed = statements.failAgentTasks.all({ agent, error: WORKER_DIED, now }) as number[];
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
      // BUSY/IDLE and the current task are derived from the tasks an agent holds, so claiming and
      // finishing tasks never has to write the agent row (one less page per commit on the hot path).
      const rows = read(() => statements.listAgents.all()) as Array<
        AgentRow & { runningTaskId: number | null }
      >;
      return rows.map((row) => {
        const agent = toAgent(row);
        const running = row.runningTaskId;
        if (agent.status === 'IDLE' || agent.status === 'BUSY')
          agent.status = running === null ? 'IDLE' : 'BUSY';
        agent.currentTaskId = running;
        return agent;
      });
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
  };
  attachDatabase(queue, { sqlite, retry, clock });
  return queue;
}

function isLive(expiresAt: number | null, now: number): boolean {
  return expiresAt === null || expiresAt > now;
}

function byNumber(left: number, right: number): number {
  return left - right;
}

function serializeResult(result: unknown): string | null {
  return result === undefined ? null : (JSON.stringify(result) ?? null);
}

function notFound(taskId: number): QueueError {
  return new QueueError({
    code: 'QUEUE_TASK_NOT_FOUND',
    taskId,
    message: `task ${taskId} does not exist`,
    hint: 'list tasks with `biged status`',
  });
}

function invalid(message: string): never {
  throw new QueueError({ code: 'QUEUE_INVALID_ARGUMENT', message });
}

function assertWholeNumber(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    invalid(`${name} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
}

function assertPositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    invalid(`${name} must be a number above 0, got ${String(value)}`);
  }
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
