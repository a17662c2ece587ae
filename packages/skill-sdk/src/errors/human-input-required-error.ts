import { BigedError } from '@biged/core';

const name = 'HumanInputRequiredError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Thrown by `ctx.queue.askHuman` when the task has no answer to the question yet. Code:
 * `SKILL_HUMAN_INPUT_REQUIRED`. Let it propagate out of `run`: it is not a failure. The fleet's worker
 * parks the task in WAITING_HUMAN with the question (`biged hitl list`), and runs it again once a human
 * answered; `askHuman` then resolves with the answer. `runSkill` passes it through unchanged.
 */
export class HumanInputRequiredError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The question for the human. */
  readonly question: string;
  /** What the skill wants the human to see with it, if anything. */
  readonly context: Record<string, unknown> | undefined;

  constructor(options: { question: string; context?: Record<string, unknown>; cause?: unknown }) {
    super({
      name,
      code: 'SKILL_HUMAN_INPUT_REQUIRED',
      message: `the skill needs a human answer: ${JSON.stringify(options.question)}`,
      cause: options.cause,
      hint: 'answer it with `biged hitl approve|reject|more-info|feedback|discuss <id>` (ids: `biged hitl list`)',
    });
    this.question = options.question;
    this.context = options.context;
  }

  /** True when `error` is a HumanInputRequiredError from any copy of @biged/skill-sdk. */
  static override isInstance(error: unknown): error is HumanInputRequiredError {
    return BigedError.hasMarker(error, marker);
  }
}
