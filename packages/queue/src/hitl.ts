import type { Task } from '@biged/core';
import type { DependencyGraph } from './dependency-sql';
import { QueueError } from './errors/queue-error';
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
} from './hitl-rules';
import type { HitlAnswer, ListHitlOptions, QueueHitl } from './hitl-types';
import { assertWholeNumber, invalid } from './queue-checks';
import type { QueueConnection } from './queue-database';
import type { TaskRow } from './schema';
import type { EnqueueRequest } from './task-queue';
import { TASK_COLUMNS, toTask } from './task-row';

export {
  HITL_CANCEL_RESPONDER,
  HITL_CANCEL_RESPONSE,
  HITL_DISCUSS_SKILL,
  HITL_MAX_CONTEXT_BYTES,
  HITL_MAX_QUESTION_LENGTH,
  HITL_MAX_RESPONSE_BYTES,
  HITL_MORE_INFO_SKILL,
} from './hitl-rules';

// NOTE: packages/queue/README.md ("Human in the loop") describes these transitions; keep both in sync.

const COLUMNS = `id, task_id AS taskId, agent, question, context_json AS contextJson, status, response,
  responder, follow_up_task_id AS followUpTaskId, pinned, created_at AS createdAt, answered_at AS answeredAt`;

/** What the HITL methods need from `createQueue`, all used inside its write transactions. */
export interface HitlDependencies {
  /** Checks and inserts a task inside the caller's transaction (the follow-up of more_info / discuss). */
  enqueueIn(request: EnqueueRequest, now: number): Task;
  /** The dependency graph: edges, and the dependents of a task that ended FAILED. */
  graph: DependencyGraph;
}

/** @internal The human-in-the-loop methods on a queue's connection (called by `createQueue`). */
export function createHitl(
  { sqlite, retry, clock }: QueueConnection,
  dependencies: HitlDependencies,
): QueueHitl {
  const { enqueueIn, graph } = dependencies;
  const transaction = sqlite.transaction((body: () => unknown) => body());
  const write = <T>(body: () => T): T => retry(() => transaction.immediate(body) as T);
  const read = <T>(body: () => T): T => retry(body);
  const statements = {
    park: sqlite.prepare(
      `UPDATE tasks SET status = 'WAITING_HUMAN', claimed_by = NULL, claimed_at = NULL, heartbeat_at = NULL,
         attempts = max(attempts - 1, 0)
       WHERE id = @id AND status = 'RUNNING' AND claimed_by = @agent`,
    ),
    taskStatus: sqlite.prepare('SELECT status FROM tasks WHERE id = ?').pluck(),
    task: sqlite.prepare(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ?`),
    insert: sqlite.prepare(
      `INSERT INTO hitl_requests (task_id, agent, question, context_json, status, created_at)
       VALUES (@taskId, @agent, @question, @contextJson, 'open', @now) RETURNING ${COLUMNS}`,
    ),
    byId: sqlite.prepare(`SELECT ${COLUMNS} FROM hitl_requests WHERE id = ?`),
    // The open list is a range of the partial index hitl_requests_open_idx (created_at).
    open: sqlite.prepare(
      `SELECT ${COLUMNS} FROM hitl_requests WHERE status = 'open' AND (@taskId IS NULL OR task_id = @taskId)
       ORDER BY created_at, id LIMIT @limit`,
    ),
    byStatus: sqlite.prepare(
      `SELECT ${COLUMNS} FROM hitl_requests
       WHERE (@status IS NULL OR status = @status) AND (@answered = 0 OR status <> 'open')
         AND (@taskId IS NULL OR task_id = @taskId)
       ORDER BY id DESC LIMIT @limit`,
    ),
    answer: sqlite.prepare(
      `UPDATE hitl_requests SET status = @status, response = @response, responder = @responder,
         follow_up_task_id = @followUpTaskId, answered_at = @now
       WHERE id = @id AND status = 'open' RETURNING ${COLUMNS}`,
    ),
    pin: sqlite.prepare(`UPDATE hitl_requests SET pinned = @pinned WHERE id = @id RETURNING ${COLUMNS}`),
    // By hitl_requests_task_idx: a task has few requests.
    answerFor: sqlite.prepare(
      `SELECT ${COLUMNS} FROM hitl_requests
       WHERE task_id = @taskId AND question = @question AND status IN (${HITL_USABLE.map((status) => `'${status}'`).join(', ')})
       ORDER BY id DESC`,
    ),
    requeue: sqlite.prepare(
      `UPDATE tasks SET status = 'PENDING' WHERE id = @id AND status = 'WAITING_HUMAN' RETURNING ${TASK_COLUMNS}`,
    ),
    reject: sqlite.prepare(
      `UPDATE tasks SET status = 'FAILED', error = @error, finished_at = @now
       WHERE id = @id AND status = 'WAITING_HUMAN' RETURNING ${TASK_COLUMNS}`,
    ),
    block: sqlite.prepare(
      `UPDATE tasks SET status = 'BLOCKED', blocked_count = 1
       WHERE id = @id AND status = 'WAITING_HUMAN' RETURNING ${TASK_COLUMNS}`,
    ),
  };

  return {
    parkForHuman(taskId, agent, { question, context }) {
      assertWholeNumber('taskId', taskId, 1);
      const cleanQuestion = checkQuestion(question);
      const contextJson = checkContext(context);
      return write(() => {
        const now = clock();
        if (statements.park.run({ id: taskId, agent }).changes !== 1) {
          const status = statements.taskStatus.get(taskId) as string | undefined;
          if (status === undefined)
            throw new QueueError({
              code: 'QUEUE_TASK_NOT_FOUND',
              taskId,
              message: `task ${taskId} does not exist`,
            });
          throw new QueueError({
            code: 'QUEUE_INVALID_TRANSITION',
            taskId,
            message: `task ${taskId} is ${status}, not a RUNNING task of ${agent}: it cannot wait for a human`,
          });
        }
        const row = statements.insert.get({
          taskId,
          agent,
          question: cleanQuestion,
          contextJson,
          now,
        }) as RawHitl;
        return toHitl(row);
      });
    },

    listHitl({ status = 'open', limit = HITL_DEFAULT_LIST_LIMIT, taskId }: ListHitlOptions = {}) {
      const { filter } = checkListHitl(status, limit, taskId);
      const parameters = { taskId: taskId ?? null, limit };
      const rows = read(() =>
        status === 'open'
          ? statements.open.all(parameters)
          : statements.byStatus.all({
              ...parameters,
              status: filter,
              answered: status === 'answered' ? 1 : 0,
            }),
      ) as RawHitl[];
      return rows.map(toHitl);
    },

    getHitl(requestId) {
      assertWholeNumber('requestId', requestId, 1);
      const row = read(() => statements.byId.get(requestId)) as RawHitl | undefined;
      return row ? toHitl(row) : undefined;
    },

    answerHitl(requestId, answer) {
      assertWholeNumber('requestId', requestId, 1);
      const { status, responder } = checkAnswer(answer);
      const response = answer.response === undefined ? null : checkResponse(answer.response);
      return write(() => {
        const now = clock();
        const found = statements.byId.get(requestId) as RawHitl | undefined;
        if (!found) throw hitlNotFound(requestId);
        if (found.status !== 'open') throw hitlNotOpen(found);
        const taskStatus = statements.taskStatus.get(found.taskId) as string | undefined;
        let task: Task | undefined;
        let followUp: Task | undefined;
        if (taskStatus !== 'WAITING_HUMAN') {
          // The task was cancelled (or removed) while it waited: rejecting closes the request.
          if (status !== 'rejected') throw hitlTaskNotWaiting(found, taskStatus);
        } else if (status === 'approved' || status === 'feedback') {
          task = toTask(statements.requeue.get({ id: found.taskId }) as TaskRow);
        } else if (status === 'rejected') {
          const error = `rejected by ${responder}${response === null ? '' : `: ${response}`}`;
          task = toTask(statements.reject.get({ id: found.taskId, error, now }) as TaskRow);
          graph.ended(found.taskId, 'FAILED', now);
        } else {
          const waiting = toTask(statements.task.get(found.taskId) as TaskRow);
          followUp = enqueueIn(
            {
              skill: status === 'more_info' ? HITL_MORE_INFO_SKILL : HITL_DISCUSS_SKILL,
              payload: followUpPayload(status, found, response),
              priority: waiting.priority,
              parentId: waiting.id,
            },
            now,
          );
          // The waiting task depends on its follow-up like any BLOCKED task: its DONE makes it PENDING
          // (dependency-sql.ts `promote`), its failure ends it by the task's policy.
          graph.link(waiting.id, [followUp.id]);
          task = toTask(statements.block.get({ id: waiting.id }) as TaskRow);
        }
        const row = statements.answer.get({
          id: requestId,
          status,
          response,
          responder,
          followUpTaskId: followUp?.id ?? null,
          now,
        }) as RawHitl;
        task ??= taskStatus === undefined ? undefined : toTask(statements.task.get(found.taskId) as TaskRow);
        if (!task)
          throw new QueueError({
            code: 'QUEUE_TASK_NOT_FOUND',
            taskId: found.taskId,
            message: `task ${found.taskId} does not exist`,
          });
        return { request: toHitl(row), task, ...(followUp ? { followUp } : {}) };
      });
    },

    setHitlPinned(requestId, pinned) {
      assertWholeNumber('requestId', requestId, 1);
      if (typeof pinned !== 'boolean') invalid(`pinned must be true or false, got ${JSON.stringify(pinned)}`);
      const row = write(() => statements.pin.get({ id: requestId, pinned: pinned ? 1 : 0 })) as
        | RawHitl
        | undefined;
      if (!row) throw hitlNotFound(requestId);
      return toHitl(row);
    },

    findHitlAnswer(taskId, question) {
      assertWholeNumber('taskId', taskId, 1);
      const stored = checkQuestion(question);
      return read(
        () =>
          transaction.deferred(() => {
            const rows = statements.answerFor.all({ taskId, question: stored }) as RawHitl[];
            return firstUsableAnswer(rows, (id) => {
              const followUp = statements.task.get(id) as TaskRow | undefined;
              return followUp && toTask(followUp);
            });
          }) as HitlAnswer | undefined,
      );
    },
  };
}

/**
 * @internal Prepares the statement `cancel` runs in its transaction, after the task and its cascade are
 * CANCELLED: every open request of a CANCELLED task is closed as `rejected` by `system` ("task cancelled").
 * It walks the open requests only (the partial index `hitl_requests_open_idx`), so one statement covers the
 * task itself and any WAITING_HUMAN child or dependent the cascade cancelled. Returns how many it closed.
 */
export function createHitlCancelCloser(sqlite: QueueConnection['sqlite']): (now: number) => number {
  const close = sqlite.prepare(
    `UPDATE hitl_requests SET status = 'rejected', responder = @responder, response = @response,
       answered_at = @now
     WHERE status = 'open'
       AND EXISTS (SELECT 1 FROM tasks WHERE tasks.id = hitl_requests.task_id AND tasks.status = 'CANCELLED')`,
  );
  return (now) =>
    close.run({ responder: HITL_CANCEL_RESPONDER, response: HITL_CANCEL_RESPONSE, now }).changes;
}
