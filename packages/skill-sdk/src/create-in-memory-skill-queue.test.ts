import { BigedError } from '@biged/core';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createInMemorySkillQueue } from './create-in-memory-skill-queue';
import { defineSkill } from './define-skill';
import { HumanInputRequiredError } from './errors/human-input-required-error';
import { runSkill } from './run-skill';
import type { HumanAnswer } from './skill-v1';

/** Asks before deploying, and reports what the human said. */
const deploy = defineSkill({
  name: 'deploy',
  description: 'Deploys after a human approves.',
  payload: z.object({ target: z.string() }),
  run: async ({ target }, ctx) => {
    const answer = await ctx.queue.askHuman({ question: `Deploy to ${target}?`, context: { target } });
    return { deployed: target, status: answer.status, note: answer.response };
  },
});

const approved: HumanAnswer = {
  requestId: 7,
  status: 'approved',
  response: 'go ahead',
  followUpTaskId: null,
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('askHuman', () => {
  it('rejects with HumanInputRequiredError carrying the question and context when there is no answer', async () => {
    const queue = createInMemorySkillQueue();
    const error = await rejection(runSkill(deploy, { target: 'staging' }, { queue }));
    expect(HumanInputRequiredError.isInstance(error)).toBe(true);
    expect(BigedError.isInstance(error)).toBe(true);
    const human = error as HumanInputRequiredError;
    expect(human.code).toBe('SKILL_HUMAN_INPUT_REQUIRED');
    expect(human.question).toBe('Deploy to staging?');
    expect(human.context).toEqual({ target: 'staging' });
    expect(human.message).toBe('the skill needs a human answer: "Deploy to staging?"');
    expect(human.hint).toContain('biged hitl');
    expect(queue.asked).toEqual([{ question: 'Deploy to staging?', context: { target: 'staging' } }]);
    // runSkill's default queue has no answers either.
    expect(HumanInputRequiredError.isInstance(await rejection(runSkill(deploy, { target: 'x' })))).toBe(true);
  });

  it('resolves with the answer given for that exact question (map or function)', async () => {
    const byText = createInMemorySkillQueue({ humanAnswers: { 'Deploy to prod?': approved } });
    const run = await runSkill(deploy, { target: 'prod' }, { queue: byText });
    expect(run.result).toEqual({ deployed: 'prod', status: 'approved', note: 'go ahead' });
    // Another question has no answer.
    expect(
      HumanInputRequiredError.isInstance(
        await rejection(runSkill(deploy, { target: 'qa' }, { queue: byText })),
      ),
    ).toBe(true);
    // Inherited keys of the map are not answers.
    const prototypeKey = createInMemorySkillQueue({ humanAnswers: {} });
    expect(
      HumanInputRequiredError.isInstance(await rejection(prototypeKey.askHuman({ question: 'toString' }))),
    ).toBe(true);

    const byFunction = createInMemorySkillQueue({
      humanAnswers: async ({ question }) =>
        question.endsWith('dev?')
          ? {
              requestId: 1,
              status: 'more_info',
              response: 'check load',
              followUpTaskId: 9,
              followUpResult: 'ok',
            }
          : undefined,
    });
    expect((await runSkill(deploy, { target: 'dev' }, { queue: byFunction })).result).toEqual({
      deployed: 'dev',
      status: 'more_info',
      note: 'check load',
    });
    expect(byFunction.asked).toHaveLength(1);
  });

  it('a host queue without askHuman makes every question reject with HumanInputRequiredError', async () => {
    const error = await rejection(
      runSkill(deploy, { target: 'staging' }, { queue: { spawn: async () => 1 } }),
    );
    expect(HumanInputRequiredError.isInstance(error)).toBe(true);
    expect((error as HumanInputRequiredError).context).toEqual({ target: 'staging' });
  });
});
