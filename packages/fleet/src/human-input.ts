import { toError } from '@biged/core';
import { QueueError, type TaskStore } from '@biged/queue';
import { HumanInputRequiredError, type SkillQueue } from '@biged/skill-sdk';

// NOTE: packages/queue/README.md ("Human in the loop") describes the whole flow; keep both in sync.

/**
 * The `askHuman` a worker gives the skill running task `taskId`: the task's stored answer to the same
 * question (a re-run after a human answered), else a rejection with `HumanInputRequiredError`, which the
 * worker turns into `parkForHuman` (see `parkForHuman` below).
 */
export function createAskHuman(
  store: Pick<TaskStore, 'findHitlAnswer'>,
  taskId: number,
): SkillQueue['askHuman'] {
  return async ({ question, context }) => {
    try {
      const answer = await store.findHitlAnswer(taskId, question);
      if (answer) return answer;
    } catch (error) {
      // A question the queue refuses (empty, too long) has no answer: `parkForHuman` refuses it again with
      // the same message and fails the task without retry, instead of a retried generic failure here.
      if (!(QueueError.isInstance(error) && error.code === 'QUEUE_INVALID_ARGUMENT')) throw error;
    }
    throw new HumanInputRequiredError({ question, ...(context === undefined ? {} : { context }) });
  };
}

/** What parking a task that asked a human came to. */
export type ParkOutcome =
  | { kind: 'parked'; requestId: number }
  | { kind: 'failed'; error: string; retry: false };

/**
 * Parks the agent's RUNNING task in WAITING_HUMAN with the question of `error` (one transaction; the
 * attempt is given back). A question the queue refuses (empty, too long, a context over 64 KiB) or a
 * task no longer this agent's fails the task without retry: asking again would fail the same way.
 */
export async function parkForHuman(
  store: Pick<TaskStore, 'parkForHuman'>,
  taskId: number,
  agent: string,
  error: HumanInputRequiredError,
): Promise<ParkOutcome> {
  try {
    const request = await store.parkForHuman(taskId, agent, {
      question: error.question,
      ...(error.context === undefined ? {} : { context: error.context }),
    });
    return { kind: 'parked', requestId: request.id };
  } catch (failure) {
    const cause = toError(failure);
    const code = 'code' in cause && typeof cause.code === 'string' ? `${cause.code}: ` : '';
    return { kind: 'failed', error: `could not ask a human: ${code}${cause.message}`, retry: false };
  }
}
