import { hostname } from 'node:os';
import {
  type Agent,
  DEFAULT_MAX_PAYLOAD_BYTES,
  TASK_STATUSES,
  type Task,
  type TaskStatus,
  TERMINAL_STATUSES,
} from '@biged/core';
import pg from 'pg';
import { FLEET_PAUSED_FLAG } from '../claim-sql';
import { dependencyReason, OPEN_STATUSES, type UnsuccessfulStatus } from '../dependency-sql';
import { QueueError } from '../errors/queue-error';
import {
  checkAnswer,
  checkContext,
  checkListHitl,
  checkQuestion,
  checkResponse,
  firstUsableAnswer,
  followUpPayload,
  HITL_CANCEL_RESPONDER,
  HITL_CANCEL_RESPONSE,
  HITL_DEFAULT_LIST_LIMIT,
  HITL_DISCUSS_SKILL,
  HITL_MORE_INFO_SKILL,
  HITL_USABLE,
  hitlNotFound,
  hitlNotOpen,
  hitlTaskNotWaiting,
  type RawHitl,
  toHitl,
} from '../hitl-rules';
import type { MessageKind } from '../message-types';
import {
  assertChannel,
  assertLimit,
  assertName,
  bodyText,
  DEFAULT_MESSAGE_LIMIT,
  dlpAlertMessage,
  type RawMessage,
  redactedBody,
  toMessage,
} from '../messages';
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
} from '../queue-checks';
import { type AgentListRow, agentFromListRow, countsFromRows, READ_SQL } from '../read-sql';
import type { AgentRow, AlertRow, LockRow, TaskRow } from '../schema';
import type { TaskStore, WaitForWorkOptions } from '../store/task-store';
import type {
  ClaimOptions,
  DependencyFailurePolicy,
  EnqueueRequest,
  FleetPause,
  Lock,
  RecoveryResult,
  SubmitManyRequest,
  SubmitResult,
  TaskDependencies,
} from '../task-queue';
import { toAgent, toLock, toTask } from '../task-row';
import { buildPgClaimSql, PG_TASK_COLUMNS, quoteAliases } from './claim-sql';
import { migratePostgres } from './migrate-postgres';
import { isConnectionError, safeLocation, unavailableError } from './pg-errors';

// NOTE: packages/queue/README.md ("Stores: SQLite and PostgreSQL") and docs/architecture.md describe this
// store (claims, NOTIFY, recovery, reconnects); the one contract suite in src/store/store-contract.ts checks
// it against the SQLite queue method by method. Keep them in sync.

/** The channel `NOTIFY` announces new PENDING work on, and `waitForWork` listens to. */
export const WORK_CHANNEL = 'biged_work';

/** Options of `createPostgresStore`. */
export interface CreatePostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (the fleet's `[queue] url`). */
  url: string;
  /** Largest accepted payload, in bytes of UTF-8 JSON. Default 1 MiB (`DEFAULT_MAX_PAYLOAD_BYTES`). */
  maxPayloadBytes?: number;
  /** `maxAttempts` of tasks submitted without one. Default 3. */
  defaultMaxAttempts?: number;
  /** `timeoutMs` of tasks submitted without one. Default 600000 (10 minutes). */
  defaultTimeoutMs?: number;
  /** Host recorded for agents registered without one. Default `os.hostname()`. */
  host?: string;
  /** Wall clock in epoch milliseconds (timestamps, lock expiry, recovery). Default `Date.now`. */
  clock?: () => number;
  /** Connections in the pool (plus one for LISTEN once `waitForWork` is used). Default 4. */
  poolSize?: number;
}

/** Parses int8 (bigint columns, `count(*)`) as numbers: ids and epoch ms stay far below 2^53. */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

const COLUMNS = PG_TASK_COLUMNS;
// Names sort bytewise as in SQLite, whatever the database's collation.
const LIST_AGENTS_SQL = quoteAliases(READ_SQL.listAgents).replace(
  /ORDER BY name\s*$/,
  'ORDER BY name COLLATE "C"',
);
const AGENT_COLUMNS = `name, role, status, pid, host, last_heartbeat AS "lastHeartbeat",
  current_task_id AS "currentTaskId", started_at AS "startedAt", restarts`;
const ALERT_COLUMNS = `id, type, severity, message, source, created_at AS "createdAt",
  acknowledged_at AS "acknowledgedAt"`;
const MESSAGE_COLUMNS = `id, kind, channel, sender, recipient, body, created_at AS "createdAt",
  read_at AS "readAt"`;
/** `hitl_requests` columns as `RawHitl`, from the table or alias `t`. */
const hitlColumns = (t: string) => `${t}.id, ${t}.task_id AS "taskId", ${t}.agent, ${t}.question,
  ${t}.context_json AS "contextJson", ${t}.status, ${t}.response, ${t}.responder,
  ${t}.follow_up_task_id AS "followUpTaskId", ${t}.pinned, ${t}.created_at AS "createdAt",
  ${t}.answered_at AS "answeredAt"`;
const HITL_COLUMNS = hitlColumns('hitl_requests');
const HITL_USABLE_LIST = HITL_USABLE.map((status) => `'${status}'`).join(', ');
/** Closes the open requests of CANCELLED tasks (cancel's transaction, after its cascade), as on SQLite. */
const CLOSE_CANCELLED_HITL = `UPDATE hitl_requests SET status = 'rejected', responder = $1, response = $2,
    answered_at = $3
  WHERE status = 'open'
    AND EXISTS (SELECT 1 FROM tasks WHERE tasks.id = hitl_requests.task_id AND tasks.status = 'CANCELLED')`;
const OPEN_LIST = OPEN_STATUSES.map((status) => `'${status}'`).join(', ');
/** SQLSTATEs after which a transaction is simply run again. */
const RETRY_CODES = new Set(['40001', '40P01']);
const MAX_TRANSACTION_TRIES = 8;

/** The statements of the dependency graph, as in ../dependency-sql.ts (`$1` is the task id). */
const GRAPH_SQL = {
  insertEdges: 'INSERT INTO task_dependencies (task_id, depends_on_id) SELECT $1, unnest($2::bigint[])',
  promoteMany: `UPDATE tasks SET blocked_count = blocked_count - done.count,
      status = CASE WHEN blocked_count <= done.count THEN 'PENDING' ELSE 'BLOCKED' END
    FROM (SELECT task_id, count(*) AS count FROM task_dependencies
          WHERE depends_on_id = ANY($1::bigint[]) GROUP BY task_id) AS done
    WHERE tasks.id = done.task_id AND tasks.status = 'BLOCKED'
    RETURNING tasks.status`,
  endDependents: `UPDATE tasks SET
      status = CASE on_dependency_failure WHEN 'skip' THEN 'SKIPPED' ELSE 'FAILED' END,
      error = $2, blocked_count = 0, finished_at = $3
    FROM task_dependencies AS edge
    WHERE edge.depends_on_id = $1 AND tasks.id = edge.task_id AND tasks.status = 'BLOCKED'
    RETURNING tasks.id AS id, tasks.status AS status`,
  cancelDependents: `UPDATE tasks SET status = 'CANCELLED', error = $2, blocked_count = 0, finished_at = $3
    FROM task_dependencies AS edge
    WHERE edge.depends_on_id = $1 AND tasks.id = edge.task_id AND tasks.status = 'BLOCKED'
    RETURNING tasks.id AS id`,
  cancelChildren: `UPDATE tasks SET status = 'CANCELLED', error = $2, blocked_count = 0, finished_at = $3
    WHERE parent_id = $1 AND status IN (${OPEN_LIST})
    RETURNING id`,
} as const;

/** Something a query can run on: the pool (autocommit) or a client inside a transaction. */
type Queryable = pg.Pool | pg.PoolClient;

/** What a transaction body may ask for besides its result. */
interface TransactionState {
  /** Set when a task became PENDING: `NOTIFY biged_work` is sent with the commit. */
  notify: boolean;
}

/**
 * Opens the queue in a PostgreSQL database (applying the shipped migrations first, under an advisory lock)
 * and returns it as a `TaskStore`, with the SQLite queue's semantics method by method. Several hosts may
 * open the same database: claims take rows `FOR UPDATE SKIP LOCKED` (each task goes to exactly one
 * claimer), stale recovery locks the rows it recovers (two hosts recovering at once count each attempt
 * once), and every change that makes a task PENDING sends `NOTIFY biged_work`, which wakes `waitForWork`
 * on every host.
 *
 * When the server goes away (restart, network), calls reject with `QueueError` `QUEUE_DB_UNAVAILABLE`
 * instead of crashing the process, and the next call reconnects; `waitForWork` listens again by itself.
 *
 * ```ts
 * const store = await createPostgresStore({ url: 'postgres://biged@db.lan/biged' });
 * const [task] = await store.claimMany({ agent: 'coder_1@alpha', skills: ['code_write'] }, 1);
 * ```
 *
 * Throws `QUEUE_DB_UNAVAILABLE` (the server cannot be reached), `QUEUE_DB_OPEN_FAILED` (migrations failed)
 * or `QUEUE_INVALID_ARGUMENT` (a bad option).
 */
export async function createPostgresStore({
  url,
  maxPayloadBytes = DEFAULT_MAX_PAYLOAD_BYTES,
  defaultMaxAttempts = DEFAULT_MAX_ATTEMPTS,
  defaultTimeoutMs = DEFAULT_TIMEOUT_MS,
  host = hostname(),
  clock = () => Date.now(),
  poolSize = 4,
}: CreatePostgresStoreOptions): Promise<TaskStore> {
  if (typeof url !== 'string' || !/^postgres(ql)?:\/\//.test(url))
    invalid('url must be a postgres:// or postgresql:// URL');
  assertWholeNumber('defaultMaxAttempts', defaultMaxAttempts, 1);
  assertPositive('defaultTimeoutMs', defaultTimeoutMs);
  assertWholeNumber('maxPayloadBytes', maxPayloadBytes, 1);
  assertWholeNumber('poolSize', poolSize, 1, 1000);

  await migratePostgres(url);

  const location = safeLocation(url);
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types: TYPES });
  // An idle client whose server went away emits 'error'; the pool drops it and the next call reconnects.
  pool.on('error', () => {});
  const limits = { maxPayloadBytes, defaultMaxAttempts, defaultTimeoutMs };
  let closed = false;

  /** Statement names by text: each connection prepares a statement once and then only binds it. */
  const names = new Map<string, string>();
  const query = async <Row extends object>(
    on: Queryable,
    text: string,
    values: unknown[] = [],
  ): Promise<pg.QueryResult<Row>> => {
    let name = names.get(text);
    if (name === undefined) {
      name = `biged_${names.size}`;
      names.set(text, name);
    }
    return on.query<Row>({ name, text, values });
  };

  const closedError = () =>
    new QueueError({
      code: 'QUEUE_CLOSED',
      file: location,
      message: `the PostgreSQL queue at ${location} was closed`,
    });

  /** Runs one call, turning a lost connection into `QUEUE_DB_UNAVAILABLE`. */
  const guard = async <T>(body: () => Promise<T>): Promise<T> => {
    if (closed) throw closedError();
    try {
      return await body();
    } catch (error) {
      if (isConnectionError(error) && !QueueError.isInstance(error)) throw unavailableError(url, error);
      throw error;
    }
  };

  /**
   * Runs `body` in one transaction (READ COMMITTED; the statements lock what they change), retried on a
   * deadlock or serialization failure, and on a unique-key race between two submits of one idempotency
   * key (the loser runs again and finds the winner's task). Sends `NOTIFY biged_work` with the commit when
   * the body set `state.notify`.
   */
  const transaction = <T>(body: (client: pg.PoolClient, state: TransactionState) => Promise<T>): Promise<T> =>
    guard(async () => {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        // While checked out, a client the server drops emits 'error' besides failing its query: without a
        // listener that would crash the process. The failed query is what the caller sees.
        client.on('error', ignore);
        let broken: Error | undefined;
        try {
          await client.query('BEGIN');
          const state: TransactionState = { notify: false };
          const result = await body(client, state);
          await client.query(state.notify ? `SELECT pg_notify('${WORK_CHANNEL}', ''); COMMIT` : 'COMMIT');
          return result;
        } catch (error) {
          try {
            await client.query('ROLLBACK');
          } catch (rollbackError) {
            broken = rollbackError as Error;
          }
          const code = (error as { code?: string }).code;
          const constraint = (error as { constraint?: string }).constraint;
          const retry =
            (code !== undefined && RETRY_CODES.has(code)) ||
            (code === '23505' && constraint === 'tasks_idempotency_key_unique');
          if (!retry || attempt >= MAX_TRANSACTION_TRIES || broken) throw error;
        } finally {
          client.removeListener('error', ignore);
          client.release(broken ?? false);
        }
        await sleep(Math.random() * 5 * attempt);
      }
    });

  const notifyWork = (on: Queryable) => on.query(`SELECT pg_notify('${WORK_CHANNEL}', '')`);

  // ---- the dependency graph, inside the caller's transaction (see ../dependency-sql.ts) ----

  /** After `taskIds` became DONE: promotes their dependents; true when one became PENDING. */
  const completedMany = async (client: pg.PoolClient, taskIds: readonly number[]): Promise<boolean> => {
    if (taskIds.length === 0) return false;
    const { rows } = await query<{ status: string }>(client, GRAPH_SQL.promoteMany, [taskIds]);
    return rows.some((row) => row.status === 'PENDING');
  };

  /** After `taskId` ended FAILED or SKIPPED: its BLOCKED dependents end by their policy, transitively. */
  const ended = async (client: pg.PoolClient, taskId: number, status: 'FAILED' | 'SKIPPED', now: number) => {
    const pending: Array<[number, 'FAILED' | 'SKIPPED']> = [[taskId, status]];
    for (let next = pending.pop(); next; next = pending.pop()) {
      const [id, endedAs] = next;
      const { rows } = await query<{ id: number; status: 'FAILED' | 'SKIPPED' }>(
        client,
        GRAPH_SQL.endDependents,
        [id, dependencyReason(id, endedAs), now],
      );
      for (const row of rows) pending.push([row.id, row.status]);
    }
  };

  /** After `taskId` was cancelled: its open children and BLOCKED dependents are cancelled, transitively. */
  const cancelled = async (client: pg.PoolClient, taskId: number, now: number) => {
    const pending = [taskId];
    for (let id = pending.pop(); id !== undefined; id = pending.pop()) {
      const children = await query<{ id: number }>(client, GRAPH_SQL.cancelChildren, [
        id,
        `parent ${id} cancelled`,
        now,
      ]);
      const dependents = await query<{ id: number }>(client, GRAPH_SQL.cancelDependents, [
        id,
        dependencyReason(id, 'CANCELLED'),
        now,
      ]);
      pending.push(...children.rows.map((row) => row.id), ...dependents.rows.map((row) => row.id));
    }
  };

  // ---- submit ----

  const prepareSubmit = (request: EnqueueRequest | SubmitManyRequest, label = ''): PreparedSubmit =>
    prepareSubmitRequest(request, limits, label);

  const INSERT_TASK = `INSERT INTO tasks (skill, payload_json, priority, status, assigned_to, attempts,
      max_attempts, timeout_ms, error, parent_id, idempotency_key, idempotency_expires_at, blocked_count,
      on_dependency_failure, created_at, finished_at)
    VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
    RETURNING ${COLUMNS}`;

  /** Inserts one prepared task inside the caller's transaction, or returns the holder of its key. */
  const submitIn = async (
    client: pg.PoolClient,
    state: TransactionState,
    prepared: PreparedSubmit,
    dependsOn: readonly number[],
    now: number,
  ): Promise<SubmitResult> => {
    const { idempotencyKey, debounceMs, parentId } = prepared;
    if (idempotencyKey !== null) {
      const { rows } = await query<TaskRow & { idempotencyExpiresAt: number | null }>(
        client,
        `SELECT ${COLUMNS}, idempotency_expires_at AS "idempotencyExpiresAt" FROM tasks
         WHERE idempotency_key = $1 AND idempotency_released_at IS NULL`,
        [idempotencyKey],
      );
      const holder = rows[0];
      if (holder) {
        if (holder.idempotencyExpiresAt === null || now < holder.idempotencyExpiresAt) {
          return { task: toTask(holder), duplicate: true };
        }
        await query(client, 'UPDATE tasks SET idempotency_released_at = $2 WHERE id = $1', [holder.id, now]);
      }
    }
    if (parentId !== null) {
      const { rowCount } = await query(client, 'SELECT 1 FROM tasks WHERE id = $1', [parentId]);
      if (rowCount === 0) {
        throw new QueueError({
          code: 'QUEUE_TASK_NOT_FOUND',
          taskId: parentId,
          message: `parent task ${parentId} does not exist`,
        });
      }
    }
    let status: 'PENDING' | 'BLOCKED' | UnsuccessfulStatus = 'PENDING';
    let blockedCount = 0;
    let error: string | null = null;
    if (dependsOn.length > 0) {
      // FOR SHARE: a dependency cannot finish until this task (and its edges) is committed, so the
      // finishing transaction's promotion, a later statement, sees the edges and counts this task.
      const { rows } = await query<{ id: number; status: TaskStatus }>(
        client,
        'SELECT id, status FROM tasks WHERE id = ANY($1::bigint[]) ORDER BY id FOR SHARE',
        [dependsOn],
      );
      ({ status, blockedCount, error } = dependencyOutcome(dependsOn, rows, prepared.onDependencyFailure));
    }
    const { rows } = await query<TaskRow>(client, INSERT_TASK, [
      prepared.skill,
      prepared.payloadJson,
      prepared.priority,
      status,
      prepared.assignedTo,
      prepared.maxAttempts,
      prepared.timeoutMs,
      error,
      parentId,
      idempotencyKey,
      debounceMs === null ? null : now + debounceMs,
      blockedCount,
      prepared.onDependencyFailure,
      now,
      error === null ? null : now,
    ]);
    const row = rows[0] as TaskRow;
    if (dependsOn.length > 0) await query(client, GRAPH_SQL.insertEdges, [row.id, dependsOn]);
    if (status === 'PENDING') state.notify = true;
    return { task: toTask(row), duplicate: false };
  };

  /** Requests with no key, parent or dependency: one INSERT for all of them, ids in request order. */
  const insertPlain = async (client: pg.PoolClient, prepared: readonly PreparedSubmit[], now: number) => {
    const column = <K extends keyof PreparedSubmit>(key: K) => prepared.map((request) => request[key]);
    const { rows } = await query<TaskRow & { ordinality: number }>(
      client,
      `INSERT INTO tasks (skill, payload_json, priority, status, assigned_to, attempts, max_attempts,
         timeout_ms, blocked_count, on_dependency_failure, created_at)
       SELECT skill, payload, priority, 'PENDING', assigned, 0, attempts, timeout, 0, policy, $8
       FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::int[], $6::bigint[], $7::text[])
         WITH ORDINALITY AS request(skill, payload, priority, assigned, attempts, timeout, policy, ordinality)
       ORDER BY ordinality
       RETURNING ${COLUMNS}`,
      [
        column('skill'),
        column('payloadJson'),
        column('priority'),
        column('assignedTo'),
        column('maxAttempts'),
        column('timeoutMs'),
        column('onDependencyFailure'),
        now,
      ],
    );
    // Ids come from the sequence in the order the rows were inserted, which is request order.
    return rows
      .sort((left, right) => left.id - right.id)
      .map((row) => ({ task: toTask(row), duplicate: false }));
  };

  // ---- claims ----

  /**
   * Claims up to `limit` tasks in one statement: the best tasks assigned to the agent, then unassigned
   * tasks of preferred skills, then any other allowed task, each by priority then age, every candidate
   * locked `FOR UPDATE SKIP LOCKED` (rows another claimer holds are stepped over, never claimed twice),
   * and nothing while the fleet is paused. Returns the tasks in claim order.
   */
  const claimIn = async (
    on: Queryable,
    agent: string,
    { skills: listed, preferredSkills, excludeSkills }: ClaimOptions,
    limit: number,
    now: number,
  ): Promise<Task[]> => {
    const excluded = excludeSkills && excludeSkills.length > 0 ? excludeSkills : undefined;
    const skills = excluded && listed ? listed.filter((skill) => !excluded.includes(skill)) : listed;
    if (skills && skills.length === 0) return [];
    const preferred = [
      ...new Set(
        preferredSkills?.filter(
          (skill) => (!skills || skills.includes(skill)) && !excluded?.includes(skill),
        ) ?? [],
      ),
    ];
    const values: unknown[] = [agent, now];
    if (skills) values.push([...new Set(skills)]);
    else if (excluded) values.push([...new Set(excluded)]);
    if (preferred.length > 0) values.push(preferred);
    const text = buildPgClaimSql({
      limit,
      skills: skills !== undefined,
      preferred: preferred.length > 0,
      exclude: skills === undefined && excluded !== undefined,
    });
    const { rows } = await query<TaskRow & { pickRank: number }>(on, text, values);
    rows.sort(
      (left, right) => left.pickRank - right.pickRank || right.priority - left.priority || left.id - right.id,
    );
    return rows.map(toTask);
  };

  const FAIL_SQL = `UPDATE tasks SET
      status = CASE WHEN $4::boolean AND attempts < max_attempts THEN 'PENDING' ELSE 'FAILED' END,
      claimed_by = CASE WHEN $4::boolean AND attempts < max_attempts THEN NULL ELSE claimed_by END,
      claimed_at = CASE WHEN $4::boolean AND attempts < max_attempts THEN NULL ELSE claimed_at END,
      heartbeat_at = CASE WHEN $4::boolean AND attempts < max_attempts THEN NULL ELSE heartbeat_at END,
      finished_at = CASE WHEN $4::boolean AND attempts < max_attempts THEN NULL ELSE $5::bigint END,
      error = $3
    WHERE id = $1 AND status = 'RUNNING' AND claimed_by = $2
    RETURNING ${COLUMNS}`;

  /** Recovery of RUNNING tasks matched by `where`: FAILED when out of attempts, else PENDING again. */
  const recoverIn = async (
    client: pg.PoolClient,
    state: TransactionState,
    where: string,
    values: unknown[],
    errors: { failed: string; requeued: string },
    now: number,
  ): Promise<RecoveryResult> => {
    const n = values.length;
    // The rows are locked (SKIP LOCKED) before they are changed, so two hosts recovering at once split
    // the stale tasks between them: each task is recovered, and its attempt counted, once.
    const { rows } = await query<{ id: number; status: TaskStatus }>(
      client,
      `WITH stale AS (SELECT id FROM tasks WHERE status = 'RUNNING' AND ${where} FOR UPDATE SKIP LOCKED)
       UPDATE tasks SET
         status = CASE WHEN attempts >= max_attempts THEN 'FAILED' ELSE 'PENDING' END,
         error = CASE WHEN attempts >= max_attempts THEN $${n + 1} ELSE $${n + 2} END,
         finished_at = CASE WHEN attempts >= max_attempts THEN $${n + 3}::bigint ELSE finished_at END,
         claimed_by = CASE WHEN attempts >= max_attempts THEN claimed_by ELSE NULL END,
         claimed_at = CASE WHEN attempts >= max_attempts THEN claimed_at ELSE NULL END,
         heartbeat_at = CASE WHEN attempts >= max_attempts THEN heartbeat_at ELSE NULL END
       FROM stale WHERE tasks.id = stale.id AND tasks.status = 'RUNNING'
       RETURNING tasks.id AS id, tasks.status AS status`,
      [...values, errors.failed, errors.requeued, now],
    );
    const failed = rows.filter((row) => row.status === 'FAILED').map((row) => row.id);
    const requeued = rows.filter((row) => row.status === 'PENDING').map((row) => row.id);
    for (const taskId of failed) await ended(client, taskId, 'FAILED', now);
    if (requeued.length > 0) state.notify = true;
    return { requeued: requeued.sort(byNumber), failed: failed.sort(byNumber) };
  };

  const getTask = async (taskId: number): Promise<Task | undefined> => {
    const { rows } = await query<TaskRow>(pool, `SELECT ${COLUMNS} FROM tasks WHERE id = $1`, [taskId]);
    return rows[0] ? toTask(rows[0]) : undefined;
  };

  const getOrThrow = async (taskId: number): Promise<Task> => {
    const task = await getTask(taskId);
    if (!task) throw notFound(taskId);
    return task;
  };

  const fleetPause = async (): Promise<FleetPause> => {
    const { rows } = await query<{ setBy: string; setAt: number }>(
      pool,
      'SELECT set_by AS "setBy", set_at AS "setAt" FROM fleet_flags WHERE name = $1',
      [FLEET_PAUSED_FLAG],
    );
    const row = rows[0];
    return row
      ? { paused: true, by: row.setBy, since: new Date(row.setAt).toISOString() }
      : { paused: false, by: null, since: null };
  };

  const insertMessage = async (
    kind: MessageKind,
    channel: string,
    sender: string,
    recipient: string | null,
    body: unknown,
  ) => {
    const { text, kinds } = redactedBody(bodyText(body, maxPayloadBytes));
    const row = await transaction(async (client) => {
      const now = clock();
      // DLP (issue 9), as on SQLite: stored redacted, and the alert is written in the same transaction.
      if (kinds.length > 0) {
        await query(
          client,
          `INSERT INTO alerts (type, severity, message, source, created_at)
           VALUES ('dlp_alert', 'warning', $1, $2, $3)`,
          [dlpAlertMessage(kind, sender, channel, kinds), sender, now],
        );
      }
      const { rows } = await query<RawMessage>(
        client,
        `INSERT INTO messages (kind, channel, sender, recipient, body, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${MESSAGE_COLUMNS}`,
        [kind, channel, sender, recipient, text, now],
      );
      return rows[0] as RawMessage;
    });
    return toMessage(row);
  };

  // ---- LISTEN: one dedicated connection, opened on the first waitForWork and re-opened after a loss ----

  const waiters = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of [...waiters]) wake();
  };
  let listener: pg.Client | undefined;
  let listening: Promise<void> | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;
  let reconnectDelay = 50;

  const listen = (): Promise<void> => {
    if (closed || listening) return listening ?? Promise.resolve();
    const client = new pg.Client({ connectionString: url, types: TYPES });
    listener = client;
    const lost = () => {
      if (listener !== client) return;
      listener = undefined;
      listening = undefined;
      client.removeAllListeners('notification');
      client.end().catch(() => {});
      if (closed) return;
      reconnectTimer = setTimeout(() => {
        reconnectTimer = undefined;
        void listen();
      }, reconnectDelay);
      reconnectTimer.unref();
      reconnectDelay = Math.min(reconnectDelay * 2, 2000);
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', wakeAll);
    listening = (async () => {
      try {
        await client.connect();
        await client.query(`LISTEN ${WORK_CHANNEL}`);
        reconnectDelay = 50;
        // Work may have arrived while nobody listened: let every waiter look once.
        wakeAll();
      } catch {
        lost();
      }
    })();
    return listening;
  };

  const store: TaskStore = {
    dialect: 'postgres',
    location,

    async enqueue(request) {
      return (await store.submit(request)).task;
    },

    async submit(request) {
      const prepared = prepareSubmit(request);
      const dependsOn = dependencyIds(request.dependsOn ?? [], '');
      return transaction((client, state) => submitIn(client, state, prepared, dependsOn, clock()));
    },

    async submitMany(requests) {
      if (!Array.isArray(requests)) invalid('submitMany takes an array of requests');
      if (requests.length > MAX_SUBMIT_BATCH) {
        invalid(`submitMany got ${requests.length} requests; at most ${MAX_SUBMIT_BATCH}`);
      }
      const prepared = requests.map((request, index) => prepareSubmit(request, `request ${index}: `));
      const plan = planBatch(requests);
      const plain = requests.every(
        (request, index) =>
          request.ref === undefined &&
          (request.dependsOn ?? []).length === 0 &&
          prepared[index]?.idempotencyKey === null &&
          prepared[index]?.parentId === null,
      );
      return transaction(async (client, state) => {
        const now = clock();
        if (requests.length === 0) return [];
        if (plain) {
          state.notify = true;
          return insertPlain(client, prepared, now);
        }
        const results: SubmitResult[] = new Array(requests.length);
        const idsByRef = new Map<string, number>();
        for (const index of plan.order) {
          const { ids, refs } = plan.dependencies[index] as BatchDependencies;
          const dependsOn = [...new Set([...ids, ...refs.map((ref) => idsByRef.get(ref) as number)])];
          const result = await submitIn(client, state, prepared[index] as PreparedSubmit, dependsOn, now);
          results[index] = result;
          const ref = requests[index]?.ref;
          if (ref !== undefined) idsByRef.set(ref, result.task.id);
        }
        return results;
      });
    },

    dependencies(taskId) {
      return guard(async () => {
        const { rows } = await query<{
          blockedCount: number;
          onDependencyFailure: DependencyFailurePolicy;
          dependsOn: (string | number)[];
          dependents: (string | number)[];
        }>(
          pool,
          `SELECT blocked_count AS "blockedCount", on_dependency_failure AS "onDependencyFailure",
             ARRAY(SELECT depends_on_id FROM task_dependencies WHERE task_id = $1 ORDER BY depends_on_id)
               AS "dependsOn",
             ARRAY(SELECT task_id FROM task_dependencies WHERE depends_on_id = $1 ORDER BY task_id)
               AS "dependents"
           FROM tasks WHERE id = $1`,
          [taskId],
        );
        const row = rows[0];
        if (!row) throw notFound(taskId);
        return {
          taskId,
          dependsOn: row.dependsOn.map(Number),
          dependents: row.dependents.map(Number),
          blockedCount: row.blockedCount,
          onDependencyFailure: row.onDependencyFailure,
        } satisfies TaskDependencies;
      });
    },

    async claimMany({ agent, ...options }, limit) {
      assertWholeNumber('limit', limit, 1, MAX_CLAIM_BATCH);
      if (options.skills && options.skills.length === 0) return [];
      return guard(() => claimIn(pool, agent, options, limit, clock()));
    },

    async settle({
      agent,
      completed = [],
      failed = [],
      released = [],
      releaseHeld = false,
      claim,
      limit = 1,
    }) {
      assertWholeNumber('limit', limit, 1, MAX_CLAIM_BATCH);
      const ids = completed.map(({ taskId }) => taskId);
      const results = completed.map(({ result }) => serializeResult(result));
      return transaction(async (client, state) => {
        const now = clock();
        let done: number[] = [];
        if (ids.length > 0) {
          const { rows } = await query<{ id: number }>(
            client,
            `UPDATE tasks SET status = 'DONE', result_json = request.result, error = NULL, finished_at = $4
             FROM unnest($1::bigint[], $2::text[]) AS request(id, result)
             WHERE tasks.id = request.id AND tasks.status = 'RUNNING' AND tasks.claimed_by = $3
             RETURNING tasks.id AS id`,
            [ids, results, agent, now],
          );
          done = rows.map((row) => row.id);
          // A later statement than the UPDATE, so it sees dependents committed while the UPDATE waited.
          if (await completedMany(client, done)) state.notify = true;
        }
        const failedTasks: Task[] = [];
        for (const { taskId, error, retry = true } of failed) {
          const { rows } = await query<TaskRow>(client, FAIL_SQL, [taskId, agent, error, retry, now]);
          const row = rows[0];
          if (!row) continue;
          if (row.status === 'FAILED') await ended(client, row.id, 'FAILED', now);
          else state.notify = true;
          failedTasks.push(toTask(row));
        }
        let releasedCount = 0;
        if (released.length > 0 || releaseHeld) {
          const { rowCount } = await query(
            client,
            `UPDATE tasks SET status = 'PENDING', claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL,
               attempts = greatest(attempts - 1, 0)
             WHERE status = 'RUNNING' AND claimed_by = $2 AND ($3 OR id = ANY($1::bigint[]))`,
            [released, agent, releaseHeld],
          );
          releasedCount = rowCount ?? 0;
          if (releasedCount > 0) state.notify = true;
        }
        const next =
          claim && !(claim.skills && claim.skills.length === 0)
            ? await claimIn(client, agent, claim, limit, now)
            : [];
        return { completed: done.length, failed: failedTasks, released: releasedCount, next };
      });
    },

    heartbeat(taskId, agent) {
      return guard(async () => {
        const { rows } = await query<{ updated: number; status: TaskStatus | null }>(
          pool,
          `WITH beat AS (
             UPDATE tasks SET heartbeat_at = $3 WHERE id = $1 AND status = 'RUNNING' AND claimed_by = $2
             RETURNING 1)
           SELECT (SELECT count(*) FROM beat) AS updated, (SELECT status FROM tasks WHERE id = $1) AS status`,
          [taskId, agent, clock()],
        );
        const row = rows[0] as { updated: number; status: TaskStatus | null };
        if (row.updated === 1) return { cancelled: false, lost: false };
        return { cancelled: row.status === 'CANCELLED', lost: true };
      });
    },

    async cancel(taskId) {
      const row = await transaction(async (client) => {
        const { rows } = await query<{ status: TaskStatus }>(
          client,
          'SELECT status FROM tasks WHERE id = $1 FOR UPDATE',
          [taskId],
        );
        const status = rows[0]?.status;
        if (status === undefined) throw notFound(taskId);
        if (TERMINAL_STATUSES.includes(status)) {
          throw new QueueError({
            code: 'QUEUE_INVALID_TRANSITION',
            taskId,
            message: `task ${taskId} is already ${status} and cannot be cancelled`,
          });
        }
        const now = clock();
        const result = await query<TaskRow>(
          client,
          `UPDATE tasks SET status = 'CANCELLED', finished_at = $2 WHERE id = $1 RETURNING ${COLUMNS}`,
          [taskId, now],
        );
        await cancelled(client, taskId, now);
        await query(client, CLOSE_CANCELLED_HITL, [HITL_CANCEL_RESPONDER, HITL_CANCEL_RESPONSE, now]);
        return result.rows[0] as TaskRow;
      });
      return toTask(row);
    },

    get: (taskId) => guard(() => getTask(taskId)),
    getOrThrow: (taskId) => guard(() => getOrThrow(taskId)),

    async waitForTask(taskId, { signal, pollMs = 25, maxPollMs = 500 } = {}) {
      let interval = Math.max(1, pollMs);
      for (;;) {
        signal?.throwIfAborted();
        const task = await store.getOrThrow(taskId);
        if (TERMINAL_STATUSES.includes(task.status)) return task;
        await delay(interval, signal);
        interval = Math.min(Math.max(interval, maxPollMs), interval * 1.5);
      }
    },

    async list({ status, skill, limit = 50 } = {}) {
      assertWholeNumber('limit', limit, 1, MAX_LIST_LIMIT);
      const values: unknown[] = [limit];
      const where: string[] = [];
      if (status !== undefined) {
        values.push(status);
        where.push(`status = $${values.length}`);
      }
      if (skill !== undefined) {
        values.push(skill);
        where.push(`skill = $${values.length}`);
      }
      return guard(async () => {
        const { rows } = await query<TaskRow>(
          pool,
          `SELECT ${COLUMNS} FROM tasks ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
           ORDER BY id DESC LIMIT $1`,
          values,
        );
        return rows.map(toTask);
      });
    },

    counts() {
      return guard(async () => {
        const { rows } = await query<{ status: TaskStatus; count: number }>(pool, READ_SQL.counts);
        return countsFromRows(TASK_STATUSES, rows);
      });
    },

    requeueAgentTasks(agent) {
      return transaction((client, state) =>
        recoverIn(
          client,
          state,
          'claimed_by = $1',
          [agent],
          { failed: WORKER_DIED, requeued: 'worker died; requeued' },
          clock(),
        ),
      );
    },

    async recoverStale({ olderThanMs, now }) {
      if (!(olderThanMs >= 0)) invalid(`olderThanMs must be 0 or more, got ${olderThanMs}`);
      const time = now === undefined ? clock() : now instanceof Date ? now.getTime() : now;
      return transaction((client, state) =>
        recoverIn(
          client,
          state,
          'coalesce(heartbeat_at, claimed_at, 0) < $1',
          [time - olderThanMs],
          { failed: HEARTBEAT_LOST, requeued: 'heartbeat timed out; requeued' },
          time,
        ),
      );
    },

    registerAgent({
      name,
      role,
      pid,
      host: agentHost = host,
      status = 'STARTING',
      incrementRestarts = false,
    }) {
      return guard(async () => {
        const now = clock();
        const { rows } = await query<AgentRow>(
          pool,
          `INSERT INTO agents (name, role, status, pid, host, last_heartbeat, started_at, restarts)
           VALUES ($1, $2, $3, $4, $5, $6, $6, 0)
           ON CONFLICT (name) DO UPDATE SET role = excluded.role, status = excluded.status, pid = excluded.pid,
             host = excluded.host, last_heartbeat = excluded.last_heartbeat, started_at = excluded.started_at,
             current_task_id = NULL, restarts = agents.restarts + $7
           RETURNING ${AGENT_COLUMNS}`,
          [name, role, status, pid, agentHost, now, incrementRestarts ? 1 : 0],
        );
        return toAgent(rows[0] as AgentRow);
      });
    },

    agentHeartbeat(name, { status, currentTaskId, pid }) {
      return guard(async () => {
        const { rowCount } =
          pid === undefined
            ? await query(
                pool,
                'UPDATE agents SET status = $2, current_task_id = $3, last_heartbeat = $4 WHERE name = $1',
                [name, status, currentTaskId, clock()],
              )
            : await query(
                pool,
                'UPDATE agents SET status = $2, current_task_id = $3, last_heartbeat = $4, pid = $5 WHERE name = $1',
                [name, status, currentTaskId, clock(), pid],
              );
        return rowCount === 1;
      });
    },

    setAgentStatus(name, status) {
      return guard(async () => {
        const { rowCount } = await query(pool, 'UPDATE agents SET status = $2 WHERE name = $1', [
          name,
          status,
        ]);
        return rowCount === 1;
      });
    },

    listAgents() {
      return guard(async (): Promise<Agent[]> => {
        const { rows } = await query<AgentListRow>(pool, LIST_AGENTS_SQL);
        return rows.map(agentFromListRow);
      });
    },

    async acquireLock(name, owner, ttlMs) {
      if (!(ttlMs > 0)) invalid(`ttlMs must be more than 0 (or Infinity), got ${ttlMs}`);
      const now = clock();
      const expiresAt = ttlMs === Number.POSITIVE_INFINITY ? null : now + Math.ceil(ttlMs);
      return guard(async () => {
        const { rowCount } = await query(
          pool,
          `INSERT INTO locks (name, owner, acquired_at, expires_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name) DO UPDATE SET
             acquired_at = CASE
               WHEN locks.owner = excluded.owner AND (locks.expires_at IS NULL OR locks.expires_at > $3)
               THEN locks.acquired_at ELSE excluded.acquired_at END,
             owner = excluded.owner,
             expires_at = excluded.expires_at
           WHERE locks.owner = excluded.owner OR (locks.expires_at IS NOT NULL AND locks.expires_at <= $3)`,
          [name, owner, now, expiresAt],
        );
        return rowCount === 1;
      });
    },

    releaseLock(name, owner) {
      return guard(async () => {
        const { rowCount } =
          owner === undefined
            ? await query(pool, 'DELETE FROM locks WHERE name = $1', [name])
            : await query(pool, 'DELETE FROM locks WHERE name = $1 AND owner = $2', [name, owner]);
        return rowCount === 1;
      });
    },

    getLock(name) {
      return guard(async (): Promise<Lock | undefined> => {
        const { rows } = await query<LockRow>(
          pool,
          'SELECT name, owner, acquired_at AS "acquiredAt", expires_at AS "expiresAt" FROM locks WHERE name = $1',
          [name],
        );
        const row = rows[0];
        return row && isLive(row.expiresAt, clock()) ? toLock(row) : undefined;
      });
    },

    listLocks() {
      return guard(async () => {
        const now = clock();
        const { rows } = await query<LockRow>(
          pool,
          'SELECT name, owner, acquired_at AS "acquiredAt", expires_at AS "expiresAt" FROM locks ORDER BY name COLLATE "C"',
        );
        return rows.filter((row) => isLive(row.expiresAt, now)).map(toLock);
      });
    },

    async raiseAlert(request) {
      checkAlertRequest(request);
      const { type, severity, message, source } = request;
      return guard(async () => {
        const { rows } = await query<AlertRow>(
          pool,
          `INSERT INTO alerts (type, severity, message, source, created_at) VALUES ($1, $2, $3, $4, $5)
           RETURNING ${ALERT_COLUMNS}`,
          [type, severity, message, source, clock()],
        );
        return toAlert(rows[0] as AlertRow);
      });
    },

    async listAlerts({ activeOnly = false, limit = DEFAULT_ALERT_LIMIT } = {}) {
      assertWholeNumber('limit', limit, 1);
      if (limit > MAX_LIST_LIMIT) invalid(`limit must be at most ${MAX_LIST_LIMIT}, got ${limit}`);
      return guard(async () => {
        const { rows } = await query<AlertRow>(
          pool,
          `SELECT ${ALERT_COLUMNS} FROM alerts ${activeOnly ? 'WHERE acknowledged_at IS NULL' : ''}
           ORDER BY created_at DESC, id DESC LIMIT $1`,
          [limit],
        );
        return rows.map(toAlert);
      });
    },

    async sendMessage({ to, from, body, channel = 'agent' }) {
      assertName('recipient', to);
      assertName('sender', from);
      assertChannel(channel);
      return insertMessage('direct', channel, from, to, body);
    },

    async broadcast({ from, body, channel = 'fleet' }) {
      assertName('sender', from);
      assertChannel(channel);
      return insertMessage('broadcast', channel, from, null, body);
    },

    async inbox(agent, { all = false, limit = DEFAULT_MESSAGE_LIMIT, channel, markRead = false } = {}) {
      assertName('agent', agent);
      assertLimit(limit);
      if (channel !== undefined) assertChannel(channel);
      const values = [agent, channel ?? null, limit];
      const channelFilter = '($2::text IS NULL OR channel = $2::text)';
      const read = async (on: Queryable) => {
        if (all) {
          const direct = await query<RawMessage>(
            on,
            `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE recipient = $1 AND ${channelFilter}
             ORDER BY id DESC LIMIT $3`,
            values,
          );
          const broadcasts = await query<RawMessage>(
            on,
            `SELECT id, kind, channel, sender, recipient, body, created_at AS "createdAt",
               (SELECT r.read_at FROM message_reads AS r WHERE r.agent = $1 AND r.message_id = m.id) AS "readAt"
             FROM messages AS m WHERE kind = 'broadcast' AND ${channelFilter}
             ORDER BY id DESC LIMIT $3`,
            values,
          );
          return [...direct.rows, ...broadcasts.rows]
            .sort((left, right) => right.id - left.id)
            .slice(0, limit)
            .reverse();
        }
        const direct = await query<RawMessage>(
          on,
          `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE recipient = $1 AND read_at IS NULL AND ${channelFilter}
           ORDER BY id LIMIT $3`,
          values,
        );
        const broadcasts = await query<RawMessage>(
          on,
          `SELECT ${MESSAGE_COLUMNS} FROM messages AS m
           WHERE kind = 'broadcast' AND ${channelFilter}
             AND NOT EXISTS (SELECT 1 FROM message_reads AS r WHERE r.agent = $1 AND r.message_id = m.id)
           ORDER BY id LIMIT $3`,
          values,
        );
        return [...direct.rows, ...broadcasts.rows].sort((left, right) => left.id - right.id).slice(0, limit);
      };
      if (!markRead) return guard(async () => (await read(pool)).map(toMessage));
      // Marking read writes: one reader of an agent's inbox at a time (a transaction-scoped advisory lock),
      // so two readers never both get a message as unread, as with SQLite's write lock.
      const rows = await transaction(async (client) => {
        await query(client, "SELECT pg_advisory_xact_lock(hashtext('biged_inbox:' || $1::text))", [agent]);
        const found = await read(client);
        const now = clock();
        const direct = found
          .filter((row) => row.readAt === null && row.kind === 'direct')
          .map((row) => row.id);
        const broadcasts = found
          .filter((row) => row.readAt === null && row.kind !== 'direct')
          .map((row) => row.id);
        if (direct.length > 0) {
          await query(
            client,
            'UPDATE messages SET read_at = $3 WHERE id = ANY($1::bigint[]) AND recipient = $2 AND read_at IS NULL',
            [direct, agent, now],
          );
        }
        if (broadcasts.length > 0) {
          await query(
            client,
            `INSERT INTO message_reads (agent, message_id, read_at) SELECT $2, unnest($1::bigint[]), $3
             ON CONFLICT DO NOTHING`,
            [broadcasts, agent, now],
          );
        }
        for (const row of found) if (row.readAt === null) row.readAt = now;
        return found;
      });
      return rows.map(toMessage);
    },

    async postNote(channel, { from, body }) {
      assertChannel(channel);
      assertName('sender', from);
      return insertMessage('note', channel, from, null, body);
    },

    async notes(channel, { since, limit = DEFAULT_MESSAGE_LIMIT } = {}) {
      assertChannel(channel);
      assertLimit(limit);
      if (since === undefined) {
        return guard(async () => {
          const { rows } = await query<RawMessage>(
            pool,
            `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = $1 AND kind = 'note'
             ORDER BY created_at DESC, id DESC LIMIT $2`,
            [channel, limit],
          );
          return rows.reverse().map(toMessage);
        });
      }
      if (typeof since === 'number') {
        if (!Number.isInteger(since) || since < 0)
          invalid(`since must be a message id (a whole number from 0) or an ISO time, got ${since}`);
        return guard(async () => {
          const { rows } = await query<RawMessage>(
            pool,
            `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = $1 AND kind = 'note' AND id > $2
             ORDER BY id LIMIT $3`,
            [channel, since, limit],
          );
          return rows.map(toMessage);
        });
      }
      const time = since instanceof Date ? since.getTime() : Date.parse(since);
      if (Number.isNaN(time))
        invalid(
          `since must be an ISO 8601 time (e.g. 2026-12-01T00:00:00Z) or a message id, got ${JSON.stringify(String(since))}`,
        );
      return guard(async () => {
        const { rows } = await query<RawMessage>(
          pool,
          `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE channel = $1 AND kind = 'note' AND created_at > $2
           ORDER BY created_at, id LIMIT $3`,
          [channel, time, limit],
        );
        return rows.map(toMessage);
      });
    },

    // ---- human in the loop (../hitl.ts on SQLite; the rules are ../hitl-rules.ts) ----

    async parkForHuman(taskId, agent, { question, context }) {
      assertWholeNumber('taskId', taskId, 1);
      const cleanQuestion = checkQuestion(question);
      const contextJson = checkContext(context);
      const row = await transaction(async (client) => {
        const now = clock();
        const parked = await query(
          client,
          `UPDATE tasks SET status = 'WAITING_HUMAN', claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL,
             attempts = greatest(attempts - 1, 0)
           WHERE id = $1 AND status = 'RUNNING' AND claimed_by = $2`,
          [taskId, agent],
        );
        if (parked.rowCount !== 1) {
          const { rows } = await query<{ status: TaskStatus }>(
            client,
            'SELECT status FROM tasks WHERE id = $1',
            [taskId],
          );
          const status = rows[0]?.status;
          if (status === undefined) throw notFound(taskId);
          throw new QueueError({
            code: 'QUEUE_INVALID_TRANSITION',
            taskId,
            message: `task ${taskId} is ${status}, not a RUNNING task of ${agent}: it cannot wait for a human`,
          });
        }
        const { rows } = await query<RawHitl>(
          client,
          `INSERT INTO hitl_requests (task_id, agent, question, context_json, status, created_at)
           VALUES ($1, $2, $3, $4, 'open', $5) RETURNING ${HITL_COLUMNS}`,
          [taskId, agent, cleanQuestion, contextJson, now],
        );
        return rows[0] as RawHitl;
      });
      return toHitl(row);
    },

    async listHitl({ status = 'open', limit = HITL_DEFAULT_LIST_LIMIT, taskId } = {}) {
      const { filter } = checkListHitl(status, limit, taskId);
      return guard(async () => {
        const { rows } =
          status === 'open'
            ? await query<RawHitl>(
                pool,
                `SELECT ${HITL_COLUMNS} FROM hitl_requests
                 WHERE status = 'open' AND ($1::bigint IS NULL OR task_id = $1) ORDER BY created_at, id LIMIT $2`,
                [taskId ?? null, limit],
              )
            : await query<RawHitl>(
                pool,
                `SELECT ${HITL_COLUMNS} FROM hitl_requests
                 WHERE ($1::text IS NULL OR status = $1) AND (NOT $2 OR status <> 'open')
                   AND ($3::bigint IS NULL OR task_id = $3)
                 ORDER BY id DESC LIMIT $4`,
                [filter, status === 'answered', taskId ?? null, limit],
              );
        return rows.map(toHitl);
      });
    },

    async getHitl(requestId) {
      assertWholeNumber('requestId', requestId, 1);
      return guard(async () => {
        const { rows } = await query<RawHitl>(
          pool,
          `SELECT ${HITL_COLUMNS} FROM hitl_requests WHERE id = $1`,
          [requestId],
        );
        return rows[0] ? toHitl(rows[0]) : undefined;
      });
    },

    async answerHitl(requestId, answer) {
      assertWholeNumber('requestId', requestId, 1);
      const { status, responder } = checkAnswer(answer);
      const response = answer.response === undefined ? null : checkResponse(answer.response);
      return transaction(async (client, state) => {
        const now = clock();
        // FOR UPDATE: two answers to one request at once, the second sees the first's and is refused.
        const found = (
          await query<RawHitl>(client, `SELECT ${HITL_COLUMNS} FROM hitl_requests WHERE id = $1 FOR UPDATE`, [
            requestId,
          ])
        ).rows[0];
        if (!found) throw hitlNotFound(requestId);
        if (found.status !== 'open') throw hitlNotOpen(found);
        const waiting = (
          await query<TaskRow>(client, `SELECT ${COLUMNS} FROM tasks WHERE id = $1 FOR UPDATE`, [
            found.taskId,
          ])
        ).rows[0];
        let task: TaskRow | undefined = waiting;
        let followUp: Task | undefined;
        if (waiting?.status !== 'WAITING_HUMAN') {
          // The task was cancelled (or removed) while it waited: rejecting closes the request.
          if (status !== 'rejected') throw hitlTaskNotWaiting(found, waiting?.status);
        } else if (status === 'approved' || status === 'feedback') {
          task = (
            await query<TaskRow>(
              client,
              `UPDATE tasks SET status = 'PENDING' WHERE id = $1 AND status = 'WAITING_HUMAN' RETURNING ${COLUMNS}`,
              [found.taskId],
            )
          ).rows[0];
          state.notify = true;
        } else if (status === 'rejected') {
          const error = `rejected by ${responder}${response === null ? '' : `: ${response}`}`;
          task = (
            await query<TaskRow>(
              client,
              `UPDATE tasks SET status = 'FAILED', error = $2, finished_at = $3
               WHERE id = $1 AND status = 'WAITING_HUMAN' RETURNING ${COLUMNS}`,
              [found.taskId, error, now],
            )
          ).rows[0];
          await ended(client, found.taskId, 'FAILED', now);
        } else {
          const waitingTask = toTask(waiting);
          const prepared = prepareSubmit({
            skill: status === 'more_info' ? HITL_MORE_INFO_SKILL : HITL_DISCUSS_SKILL,
            payload: followUpPayload(status, found, response),
            priority: waitingTask.priority,
            parentId: waitingTask.id,
          });
          followUp = (await submitIn(client, state, prepared, [], now)).task;
          // The waiting task depends on its follow-up like any BLOCKED task: the follow-up's DONE makes it
          // PENDING (the settle's promotion), its failure ends it by the task's policy.
          await query(client, GRAPH_SQL.insertEdges, [waitingTask.id, [followUp.id]]);
          task = (
            await query<TaskRow>(
              client,
              `UPDATE tasks SET status = 'BLOCKED', blocked_count = 1
               WHERE id = $1 AND status = 'WAITING_HUMAN' RETURNING ${COLUMNS}`,
              [waitingTask.id],
            )
          ).rows[0];
        }
        const { rows } = await query<RawHitl>(
          client,
          `UPDATE hitl_requests SET status = $2, response = $3, responder = $4, follow_up_task_id = $5,
             answered_at = $6
           WHERE id = $1 AND status = 'open' RETURNING ${HITL_COLUMNS}`,
          [requestId, status, response, responder, followUp?.id ?? null, now],
        );
        if (!task) throw notFound(found.taskId);
        return { request: toHitl(rows[0] as RawHitl), task: toTask(task), ...(followUp ? { followUp } : {}) };
      });
    },

    async setHitlPinned(requestId, pinned) {
      assertWholeNumber('requestId', requestId, 1);
      if (typeof pinned !== 'boolean') invalid(`pinned must be true or false, got ${JSON.stringify(pinned)}`);
      const row = await guard(
        async () =>
          (
            await query<RawHitl>(
              pool,
              `UPDATE hitl_requests SET pinned = $2 WHERE id = $1 RETURNING ${HITL_COLUMNS}`,
              [requestId, pinned ? 1 : 0],
            )
          ).rows[0],
      );
      if (!row) throw hitlNotFound(requestId);
      return toHitl(row);
    },

    async findHitlAnswer(taskId, question) {
      assertWholeNumber('taskId', taskId, 1);
      const stored = checkQuestion(question);
      return guard(async () => {
        // One statement, so one snapshot: the answers and their follow-ups' states together.
        const { rows } = await query<
          RawHitl & { followUpStatus: TaskStatus | null; followUpResultJson: string | null }
        >(
          pool,
          `SELECT ${hitlColumns('h')}, f.status AS "followUpStatus", f.result_json AS "followUpResultJson"
           FROM hitl_requests AS h LEFT JOIN tasks AS f ON f.id = h.follow_up_task_id
           WHERE h.task_id = $1 AND h.question = $2 AND h.status IN (${HITL_USABLE_LIST})
           ORDER BY h.id DESC`,
          [taskId, stored],
        );
        const byId = new Map(rows.map((row) => [row.followUpTaskId, row]));
        return firstUsableAnswer(rows, (id) => {
          const row = byId.get(id);
          if (!row?.followUpStatus) return undefined;
          const result =
            row.followUpResultJson === null ? null : (JSON.parse(row.followUpResultJson) as unknown);
          return { status: row.followUpStatus, result };
        });
      });
    },

    async setFleetPaused(paused, by) {
      if (typeof by !== 'string' || by.length === 0 || by.length > 200) {
        invalid('by must be a non-empty string of at most 200 characters');
      }
      return guard(async () => {
        if (paused) {
          await query(
            pool,
            'INSERT INTO fleet_flags (name, set_by, set_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
            [FLEET_PAUSED_FLAG, by, clock()],
          );
        } else {
          const { rowCount } = await query(pool, 'DELETE FROM fleet_flags WHERE name = $1', [
            FLEET_PAUSED_FLAG,
          ]);
          // Every PENDING task is claimable again: wake the idle workers of every host.
          if ((rowCount ?? 0) > 0) await notifyWork(pool);
        }
        return fleetPause();
      });
    },

    fleetPause: () => guard(fleetPause),

    waitForWork({ timeoutMs, signal }: WaitForWorkOptions): Promise<void> {
      if (closed || signal?.aborted) return Promise.resolve();
      void listen();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          signal?.removeEventListener('abort', done);
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        waiters.add(done);
        signal?.addEventListener('abort', done, { once: true });
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      wakeAll();
      if (reconnectTimer) clearTimeout(reconnectTimer);
      const client = listener;
      listener = undefined;
      if (client) {
        client.removeAllListeners();
        client.on('error', () => {});
        await client.end().catch(() => {});
      }
      await pool.end().catch(() => {});
    },
  };
  return store;
}

function ignore(): void {}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
