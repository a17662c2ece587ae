import { PayloadError, parsePayload, redactJson, redactSecrets } from '@biged/core';
import { QueueError } from './errors/queue-error';
import {
  type AnswerHitlRequest,
  HITL_ANSWER_STATUSES,
  type HitlAnswer,
  type HitlAnswerStatus,
  type HitlRequest,
  type HitlStatus,
  type HitlUsableStatus,
} from './hitl-types';
import { assertWholeNumber, invalid } from './queue-checks';
import { isoOrNull } from './task-row';

// The human-in-the-loop rules both stores apply (hitl.ts on SQLite, the PostgreSQL store): limits, input
// checks, the follow-up a more_info / discuss answer creates, and the row mapping. No database here.
// NOTE: packages/queue/README.md ("Human in the loop") describes these rules; keep both in sync.

/** Longest question a skill may ask, in characters. */
export const HITL_MAX_QUESTION_LENGTH = 4000;
/** Largest context a skill may attach, in bytes of UTF-8 JSON. */
export const HITL_MAX_CONTEXT_BYTES = 64 * 1024;
/** Largest human response, in bytes of UTF-8. */
export const HITL_MAX_RESPONSE_BYTES = 8 * 1024;
/** The skill of the task a `more_info` answer creates. */
export const HITL_MORE_INFO_SKILL = 'research_loop';
/** The skill of the task a `discuss` answer creates. */
export const HITL_DISCUSS_SKILL = 'code_discuss';

/** The responder recorded on an open request closed because its task was cancelled. */
export const HITL_CANCEL_RESPONDER = 'system';
/** The response recorded on an open request closed because its task was cancelled. */
export const HITL_CANCEL_RESPONSE = 'task cancelled';

/** Longest responder name. */
const MAX_RESPONDER_LENGTH = 200;
/** `listHitl` limits. */
export const HITL_DEFAULT_LIST_LIMIT = 50;
export const HITL_MAX_LIST_LIMIT = 10_000;
/** code_discuss's payload limits (packages/skills/src/code-discuss.ts). */
const DISCUSS_TOPIC_LENGTH = 500;
const DISCUSS_QUESTION_LENGTH = 2000;
/** The answers a skill can use (a rejection ends its task instead). */
export const HITL_USABLE: readonly HitlUsableStatus[] = ['approved', 'feedback', 'more_info', 'discuss'];

/** A `hitl_requests` row as both stores select it (camelCase aliases). */
export interface RawHitl {
  id: number;
  taskId: number;
  agent: string;
  question: string;
  contextJson: string | null;
  status: HitlStatus;
  response: string | null;
  responder: string | null;
  followUpTaskId: number | null;
  pinned: number;
  createdAt: number;
  answeredAt: number | null;
}

/** The follow-up payload: research_loop gets the whole exchange; code_discuss only what its schema takes. */
export function followUpPayload(
  status: 'more_info' | 'discuss',
  request: RawHitl,
  response: string | null,
): Record<string, unknown> {
  const context =
    request.contextJson === null ? null : (JSON.parse(request.contextJson) as Record<string, unknown>);
  if (status === 'more_info')
    return { question: request.question, context, response, hitl_request_id: request.id };
  const topic = (response?.trim() || request.question.trim()).slice(0, DISCUSS_TOPIC_LENGTH);
  const path = context?.path;
  return {
    topic,
    question: request.question.trim().slice(0, DISCUSS_QUESTION_LENGTH),
    ...(typeof path === 'string' && path !== '' ? { path } : {}),
  };
}

/** A row as the API returns it. */
export function toHitl(row: RawHitl): HitlRequest {
  return {
    id: row.id,
    taskId: row.taskId,
    agent: row.agent,
    question: row.question,
    context: row.contextJson === null ? null : (JSON.parse(row.contextJson) as Record<string, unknown>),
    status: row.status,
    response: row.response,
    responder: row.responder,
    followUpTaskId: row.followUpTaskId,
    pinned: row.pinned === 1,
    createdAt: new Date(row.createdAt).toISOString(),
    answeredAt: isoOrNull(row.answeredAt),
  };
}

/** The question as stored: non-empty, not too long, secrets redacted. */
export function checkQuestion(question: unknown): string {
  if (typeof question !== 'string' || question.trim() === '') invalid('question must be non-empty text');
  if (question.length > HITL_MAX_QUESTION_LENGTH)
    invalid(`question is ${question.length} characters long; at most ${HITL_MAX_QUESTION_LENGTH}`);
  return redactSecrets(question).text;
}

/** The context as stored: JSON text of an object of at most 64 KiB, secrets redacted; null for none. */
export function checkContext(context: unknown): string | null {
  if (context === undefined || context === null) return null;
  if (typeof context !== 'object' || Array.isArray(context))
    invalid('context must be a JSON object, e.g. {"diff": "..."}');
  let value: Record<string, unknown>;
  try {
    value = parsePayload(context, { maxBytes: HITL_MAX_CONTEXT_BYTES });
  } catch (error) {
    if (!PayloadError.isInstance(error)) throw error;
    throw new QueueError({
      code: 'QUEUE_INVALID_ARGUMENT',
      message: `context ${error.message.replace(/^payload /, '')}`,
      cause: error,
      hint: 'attach a path to a file under the fleet home instead of its content',
    });
  }
  return JSON.stringify(redactJson(value).value);
}

export function checkAnswer(answer: AnswerHitlRequest): { status: HitlAnswerStatus; responder: string } {
  if (answer === null || typeof answer !== 'object')
    invalid('answer must be an object with status and responder');
  const { status, responder } = answer;
  if (!HITL_ANSWER_STATUSES.includes(status))
    invalid(`status must be one of ${HITL_ANSWER_STATUSES.join(', ')}, got ${JSON.stringify(status)}`);
  if (typeof responder !== 'string' || responder.trim() === '' || responder.length > MAX_RESPONDER_LENGTH)
    invalid(`responder must be non-empty text of at most ${MAX_RESPONDER_LENGTH} characters`);
  return { status, responder };
}

/** The response as stored: at most 8 KiB of UTF-8, secrets redacted; empty text is none. */
export function checkResponse(response: unknown): string | null {
  if (typeof response !== 'string') invalid(`response must be text, got ${typeof response}`);
  const bytes = Buffer.byteLength(response, 'utf8');
  if (bytes > HITL_MAX_RESPONSE_BYTES)
    invalid(`response is ${bytes} bytes; at most ${HITL_MAX_RESPONSE_BYTES} (8 KiB)`);
  if (response.trim() === '') return null;
  return redactSecrets(response).text;
}

/** `QUEUE_HITL_NOT_FOUND` for `requestId`. */
export function hitlNotFound(requestId: number): QueueError {
  return new QueueError({
    code: 'QUEUE_HITL_NOT_FOUND',
    hitlRequestId: requestId,
    message: `no human-in-the-loop request with id ${requestId}`,
    hint: 'list the open requests with `biged hitl list` (all of them with --all)',
  });
}

/** `QUEUE_HITL_NOT_OPEN`: `found` was already answered. */
export function hitlNotOpen(found: RawHitl): QueueError {
  return new QueueError({
    code: 'QUEUE_HITL_NOT_OPEN',
    hitlRequestId: found.id,
    taskId: found.taskId,
    message: `request ${found.id} was already answered (${found.status} by ${found.responder ?? 'unknown'}); only open requests can be answered`,
    hint: 'list the open requests with `biged hitl list`',
  });
}

/** `QUEUE_INVALID_TRANSITION`: the task of `found` no longer waits, so only a rejection can close it. */
export function hitlTaskNotWaiting(found: RawHitl, taskStatus: string | undefined): QueueError {
  return new QueueError({
    code: 'QUEUE_INVALID_TRANSITION',
    taskId: found.taskId,
    hitlRequestId: found.id,
    message: `task ${found.taskId} of request ${found.id} is ${taskStatus ?? 'gone'}, no longer waiting for a human`,
    hint: `reject the request to close it (\`biged hitl reject ${found.id} --reason ...\`)`,
  });
}

/** Checks `listHitl`'s options; `filter` is the answer status to match (none for open, answered, all). */
export function checkListHitl(
  status: string,
  limit: number,
  taskId: number | undefined,
): { filter: HitlStatus | null } {
  assertWholeNumber('limit', limit, 1, HITL_MAX_LIST_LIMIT);
  if (taskId !== undefined) assertWholeNumber('taskId', taskId, 1);
  const known = status === 'open' || status === 'answered' || status === 'all';
  if (!known && !HITL_ANSWER_STATUSES.includes(status as HitlAnswerStatus))
    invalid(
      `status must be open, answered, all or one of ${HITL_ANSWER_STATUSES.join(', ')}, got ${JSON.stringify(status)}`,
    );
  return { filter: known ? null : (status as HitlStatus) };
}

/**
 * The first usable answer among `rows` (newest first), as `findHitlAnswer` returns it: an approval or
 * feedback at once; more_info / discuss once their follow-up is DONE (`followUpOf` reads it, its result
 * included). Undefined when none is usable yet.
 */
export function firstUsableAnswer(
  rows: readonly RawHitl[],
  followUpOf: (taskId: number) => { status: string; result: unknown } | undefined,
): HitlAnswer | undefined {
  for (const row of rows) {
    const answer: HitlAnswer = {
      requestId: row.id,
      status: row.status as HitlUsableStatus,
      response: row.response,
      followUpTaskId: row.followUpTaskId,
    };
    if (row.followUpTaskId === null) return answer;
    const followUp = followUpOf(row.followUpTaskId);
    if (followUp?.status === 'DONE') return { ...answer, followUpResult: followUp.result };
  }
  return undefined;
}
