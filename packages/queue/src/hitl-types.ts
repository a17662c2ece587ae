import type { Task } from '@biged/core';

// NOTE: packages/queue/README.md ("Human in the loop") describes these types and transitions; keep both in sync.

/** Where a human-in-the-loop request stands: `open` until answered, then the answer's kind. */
export type HitlStatus = 'open' | 'approved' | 'rejected' | 'more_info' | 'feedback' | 'discuss';

/** The answers an operator can give (the manual's five response types). */
export type HitlAnswerStatus = Exclude<HitlStatus, 'open'>;

/** The answers a re-run skill gets back from `askHuman` (a rejected task does not re-run). */
export type HitlUsableStatus = Exclude<HitlAnswerStatus, 'rejected'>;

/** The answer kinds, in the manual's order. */
export const HITL_ANSWER_STATUSES: readonly HitlAnswerStatus[] = [
  'approved',
  'rejected',
  'more_info',
  'feedback',
  'discuss',
];

/** A question a skill asked a human (`ctx.queue.askHuman`), as the queue returns it. */
export interface HitlRequest {
  id: number;
  /** The task that waits for the answer. */
  taskId: number;
  /** The agent that asked. */
  agent: string;
  /** The question (secrets redacted). */
  question: string;
  /** What the skill wanted the human to see (secrets redacted), or null. */
  context: Record<string, unknown> | null;
  status: HitlStatus;
  /** The human's words (note, reason, question, feedback or topic; secrets redacted), or null. */
  response: string | null;
  /** Who answered (`cli:<user>`, `dashboard`, `ui`), or null while open. */
  responder: string | null;
  /** The research_loop (more_info) or code_discuss (discuss) task the answer created, or null. */
  followUpTaskId: number | null;
  /** Pinned in the launcher's Fleet Comm tab. */
  pinned: boolean;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601, or null while open. */
  answeredAt: string | null;
}

/** What `parkForHuman` records. */
export interface ParkForHumanRequest {
  /** Non-empty, at most `HITL_MAX_QUESTION_LENGTH` (4000) characters. */
  question: string;
  /** A JSON object for the human to see (a diff, a plan), at most 64 KiB as JSON. Default none. */
  context?: Record<string, unknown>;
}

/** Options of `listHitl`. */
export interface ListHitlOptions {
  /**
   * `open` (the default: oldest first), one answer kind, `answered` (every answered request) or `all`;
   * everything but `open` lists newest first.
   */
  status?: HitlStatus | 'answered' | 'all';
  /** At most this many. Default 50, at most 10000. */
  limit?: number;
  /** Only the requests of this task. Default: every task. */
  taskId?: number;
}

/** What `answerHitl` takes. */
export interface AnswerHitlRequest {
  /** The answer's kind. */
  status: HitlAnswerStatus;
  /**
   * The human's words: a note (approved), the reason (rejected), what to find out (more_info), the
   * feedback, or the discussion topic (discuss). At most `HITL_MAX_RESPONSE_BYTES` (8 KiB) of UTF-8;
   * secrets are redacted before it is stored. Default none.
   */
  response?: string;
  /** Who answers, e.g. `cli:alice`, `dashboard`, `ui`: non-empty, at most 200 characters. */
  responder: string;
}

/** What `answerHitl` returns. */
export interface AnswerHitlResult {
  /** The request, answered. */
  request: HitlRequest;
  /** The waiting task after the answer (PENDING, FAILED or BLOCKED). */
  task: Task;
  /** The research_loop or code_discuss task created for `more_info` / `discuss`. */
  followUp?: Task;
}

/** An answer a re-run of the task can use, as `findHitlAnswer` returns it. */
export interface HitlAnswer {
  /** The answered request. */
  requestId: number;
  status: HitlUsableStatus;
  /** The human's words, or null. */
  response: string | null;
  /** The follow-up task (more_info, discuss), or null. */
  followUpTaskId: number | null;
  /** The follow-up task's result, once it is DONE (more_info, discuss only). */
  followUpResult?: unknown;
}

/** The human-in-the-loop methods of a `TaskQueue` (see packages/queue/README.md, "Human in the loop"). */
export interface QueueHitl {
  /**
   * The agent's RUNNING task stops to wait for a human: it becomes WAITING_HUMAN (claim released, the
   * attempt it used given back) and an `open` request is stored, in one transaction. The question and
   * context are redacted (`redactSecrets`) first. Throws `QUEUE_TASK_NOT_FOUND`,
   * `QUEUE_INVALID_TRANSITION` (not this agent's RUNNING task) or `QUEUE_INVALID_ARGUMENT` (empty or
   * oversized question, context not a JSON object or over 64 KiB); nothing is stored then.
   */
  parkForHuman(taskId: number, agent: string, request: ParkForHumanRequest): HitlRequest;

  /** Requests by status (default `open`, oldest first). Throws `QUEUE_INVALID_ARGUMENT` for a bad option. */
  listHitl(options?: ListHitlOptions): HitlRequest[];

  /** The request, or undefined. */
  getHitl(requestId: number): HitlRequest | undefined;

  /**
   * Answers an open request, in one transaction with the task's change:
   * - `approved` / `feedback`: the task goes back to PENDING (same id) and re-runs; its `askHuman` gets
   *   the answer;
   * - `rejected`: the task ends FAILED with error `rejected by <responder>: <response>`; its dependents
   *   fail or skip by their policy;
   * - `more_info` / `discuss`: a `research_loop` / `code_discuss` task is created (child of the task, same
   *   priority) and the task becomes BLOCKED on it; it re-runs once that is DONE, and its `askHuman` gets
   *   the answer with the follow-up's result (a follow-up that fails fails the task, by its policy).
   * A request whose task no longer waits (it was cancelled) can only be `rejected`, which closes it and
   * leaves the task alone. Throws `QUEUE_HITL_NOT_FOUND`, `QUEUE_HITL_NOT_OPEN` (already answered),
   * `QUEUE_INVALID_TRANSITION` (the task no longer waits) or `QUEUE_INVALID_ARGUMENT` (bad status,
   * responder or response); nothing changes then.
   */
  answerHitl(requestId: number, answer: AnswerHitlRequest): AnswerHitlResult;

  /** Pins or unpins a request (the launcher's Fleet Comm tab) and returns it. Throws `QUEUE_HITL_NOT_FOUND`. */
  setHitlPinned(requestId: number, pinned: boolean): HitlRequest;

  /**
   * The latest usable answer to `question` (compared after redaction) among the task's requests:
   * `approved` or `feedback`, or `more_info` / `discuss` whose follow-up task is DONE. Undefined when
   * there is none, so the skill must ask (`parkForHuman`). An answer serves every re-run of the task; a
   * different question gets a request of its own.
   */
  findHitlAnswer(taskId: number, question: string): HitlAnswer | undefined;
}
