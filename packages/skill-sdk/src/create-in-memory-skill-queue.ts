import type { SkillQueue, SpawnTaskInput } from './skill-v1';

/** A child task recorded by a queue in tests. */
export interface SpawnedTask extends SpawnTaskInput {
  /** The id the queue returned. */
  id: number;
}

/** A `SkillQueue` that keeps spawned tasks in memory. */
export interface InMemorySkillQueue extends SkillQueue {
  /** Every task spawned so far, in order. */
  readonly spawned: readonly SpawnedTask[];
}

/** Options for `createInMemorySkillQueue`. */
export interface CreateInMemorySkillQueueOptions {
  /** The id the first spawned task gets; later ones count up. Default `1`. */
  firstId?: number;
}

/**
 * A queue for tests and for `runSkill`'s default context: `spawn` records the child task and returns
 * incrementing ids without running anything.
 */
export function createInMemorySkillQueue({
  firstId = 1,
}: CreateInMemorySkillQueueOptions = {}): InMemorySkillQueue {
  const spawned: SpawnedTask[] = [];
  let nextId = firstId;
  return {
    spawned,
    async spawn(input) {
      const id = nextId;
      nextId += 1;
      spawned.push({ ...input, id });
      return id;
    },
  };
}
