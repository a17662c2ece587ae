import { HumanInputRequiredError } from './errors/human-input-required-error';
import type { AskHumanInput, HumanAnswer, SkillQueue, SpawnTaskInput } from './skill-v1';

/** A child task recorded by a queue in tests. */
export interface SpawnedTask extends SpawnTaskInput {
  /** The id the queue returned. */
  id: number;
}

/** A `SkillQueue` that keeps spawned tasks and asked questions in memory. */
export interface InMemorySkillQueue extends SkillQueue {
  /** Every task spawned so far, in order. */
  readonly spawned: readonly SpawnedTask[];
  /** Every question asked through `askHuman` so far, in order (answered or not). */
  readonly asked: readonly AskHumanInput[];
}

/**
 * How a test answers `askHuman`: a function of the question (return undefined for "no answer yet"), or
 * a map from question text to the answer.
 */
export type InMemoryHumanAnswers =
  | ((input: AskHumanInput) => HumanAnswer | undefined | Promise<HumanAnswer | undefined>)
  | Readonly<Record<string, HumanAnswer>>;

/** Options for `createInMemorySkillQueue`. */
export interface CreateInMemorySkillQueueOptions {
  /** The id the first spawned task gets; later ones count up. Default `1`. */
  firstId?: number;
  /**
   * The answers `askHuman` resolves with. A question without one rejects with `HumanInputRequiredError`,
   * as the fleet does before a human answered. Default: none (every question rejects).
   */
  humanAnswers?: InMemoryHumanAnswers;
}

/**
 * A queue for tests and for `runSkill`'s default context: `spawn` records the child task and returns
 * incrementing ids without running anything; `askHuman` records the question and answers from
 * `humanAnswers`, or rejects with `HumanInputRequiredError`.
 */
export function createInMemorySkillQueue({
  firstId = 1,
  humanAnswers,
}: CreateInMemorySkillQueueOptions = {}): InMemorySkillQueue {
  const spawned: SpawnedTask[] = [];
  const asked: AskHumanInput[] = [];
  let nextId = firstId;
  return {
    spawned,
    asked,
    async spawn(input) {
      const id = nextId;
      nextId += 1;
      spawned.push({ ...input, id });
      return id;
    },
    async askHuman(input) {
      asked.push(input);
      const answer =
        typeof humanAnswers === 'function'
          ? await humanAnswers(input)
          : humanAnswers && Object.hasOwn(humanAnswers, input.question)
            ? humanAnswers[input.question]
            : undefined;
      if (answer) return answer;
      throw new HumanInputRequiredError({
        question: input.question,
        ...(input.context === undefined ? {} : { context: input.context }),
      });
    },
  };
}
