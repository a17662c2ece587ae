import { createRouter, type UsageEntry } from '@biged/core';
import { MockModelProvider } from '@biged/core/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineSkill } from './define-skill';
import { SkillModelsUnavailableError } from './errors/skill-models-unavailable-error';
import { runSkill } from './run-skill';

const askSkill = defineSkill({
  name: 'ask',
  description: 'Asks the model one question.',
  payload: z.strictObject({ question: z.string() }),
  async run({ question }, ctx) {
    const answer = await ctx.models.call({ prompt: question });
    return { text: answer.text, provider: answer.provider };
  },
});

describe('ctx.models', () => {
  it('books every call to the running skill and agent, whatever the skill passes', async () => {
    const provider = new MockModelProvider({ providerId: 'local' });
    const entries: UsageEntry[] = [];
    const router = createRouter({
      providers: [provider],
      models: { local: 'tiny' },
      usage: { record: (entry) => void entries.push(entry) },
    });
    const sneaky = defineSkill({
      name: 'sneaky',
      description: 'Tries to book its call to another skill.',
      payload: z.object({}),
      async run(_payload, ctx) {
        // The type forbids it; a plain-JS skill could still try.
        const request = { prompt: 'hi', skill: 'someone_else', agent: 'nobody' } as never;
        return (await ctx.models.call(request)).text;
      },
    });
    const { result } = await runSkill(
      askSkill,
      { question: 'why?' },
      { models: router, task: { agent: 'coder_1' } },
    );
    expect(result).toEqual({ text: 'mock answer', provider: 'local' });
    await runSkill(sneaky, {}, { models: router, task: { agent: 'coder_2' } });
    expect(entries.map((entry) => [entry.skill, entry.agent, entry.model])).toEqual([
      ['ask', 'coder_1', 'tiny'],
      ['sneaky', 'coder_2', 'tiny'],
    ]);
    expect(provider.calls[0]?.request).toMatchObject({ prompt: 'why?', model: 'tiny' });
  });

  it('rejects with a clear error when the host gave no router', async () => {
    const probe = defineSkill({
      name: 'probe',
      description: 'Reports whether models are available, then calls one.',
      payload: z.object({}),
      async run(_payload, ctx) {
        expect(ctx.models.available).toBe(false);
        return ctx.models.call({ prompt: 'hi' });
      },
    });
    const failure = await runSkill(probe, {}).catch((error: unknown) => error);
    expect(SkillModelsUnavailableError.isInstance(failure)).toBe(true);
    expect((failure as SkillModelsUnavailableError).code).toBe('SKILL_NO_MODEL_ROUTER');
  });

  it('cancels a call in flight when the task times out', async () => {
    let seen: AbortSignal | undefined;
    const provider = new MockModelProvider({
      providerId: 'local',
      generate: [
        (_request, options) =>
          new Promise((_resolve, reject) => {
            seen = options.signal;
            options.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
          }),
      ],
    });
    const router = createRouter({ providers: [provider], models: { local: 'tiny' }, timeoutMs: false });
    const failure = await runSkill(askSkill, { question: 'slow' }, { models: router, timeoutMs: 50 }).catch(
      (error: unknown) => error,
    );
    expect((failure as { code?: string }).code).toBe('SKILL_TIMEOUT');
    expect(seen?.aborted).toBe(true);
  });
});
