import { createRouter, type ModelRequestV1, type ModelResultV1, type Router } from '@biged/core';
import { MockModelProvider, type MockScript } from '@biged/core/test';
import type { Skill, SkillContext } from '@biged/skill-sdk';

/**
 * Test helpers for the model-using skills (imported by their tests only, never by the package's index):
 * a router over a scripted `MockModelProvider`, the way a worker hands one to a skill.
 */

/** A scripted router and the mock provider behind it. */
export interface ScriptedRouter {
  router: Router;
  provider: MockModelProvider;
  /** The generation requests the provider received, oldest first. */
  requests(): ModelRequestV1[];
}

/**
 * A router whose only provider is a local `MockModelProvider` answering from `generate`, with model
 * `tiny` as its default and no pacing gap (the 300 ms default would only slow the tests down).
 */
export function scriptedRouter(generate: MockScript<ModelRequestV1, ModelResultV1>[]): ScriptedRouter {
  const provider = new MockModelProvider({ providerId: 'local', generate });
  const router = createRouter({
    providers: [provider],
    models: { local: 'tiny' },
    limits: { local: { minGapMs: 0 } },
  });
  return {
    router,
    provider,
    requests: () =>
      provider.calls
        .filter((call) => call.method === 'generate')
        .map((call) => call.request as ModelRequestV1),
  };
}

/** A scripted text answer. */
export function answer(
  text: string,
  usage: { input?: number; output?: number } = {},
  json?: unknown,
): ModelResultV1 {
  return {
    text,
    ...(json === undefined ? {} : { json }),
    finishReason: 'stop',
    usage: { inputTokens: usage.input ?? 10, outputTokens: usage.output ?? 5, cachedInputTokens: 0 },
    model: 'tiny',
  };
}

/**
 * Wraps a skill so the test can await the skill's own promise: `runSkill` rejects at once on cancellation,
 * while the skill may still be running; `settled()` resolves when the skill itself has stopped.
 */
export function observed<S extends Skill>(skill: S): { skill: S; settled(): Promise<unknown> } {
  let running: Promise<unknown> | undefined;
  const wrapper = {
    ...skill,
    run: (payload: unknown, context: SkillContext) => {
      running = Promise.resolve(skill.run(payload as never, context));
      return running;
    },
  } as S;
  return {
    skill: wrapper,
    settled: () =>
      (running ?? Promise.reject(new Error('the skill never ran'))).then(
        (value) => ({ status: 'fulfilled', value }),
        (reason: unknown) => ({ status: 'rejected', reason }),
      ),
  };
}
