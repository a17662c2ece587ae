// Skills used by the fleet's own tests, loaded the way a third-party skill directory is ([skills] dirs).
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineSkill } from '@biged/skill-sdk';
import { z } from 'zod';

/** Appends the task id to a file: a task run twice shows up twice. */
export const record = defineSkill({
  name: 'test_record',
  description: 'Appends the task id to payload.file (tests use it to count runs).',
  payload: z.object({ file: z.string() }),
  run: (payload, ctx) => {
    appendFileSync(payload.file, `${ctx.task.id}\n`);
    return { id: ctx.task.id };
  },
});

/** Sleeps; optionally ignores its abort signal. Writes payload.started when it begins. */
export const nap = defineSkill({
  name: 'test_sleep',
  description: 'Sleeps for payload.ms (tests of timeouts, kills and graceful stop).',
  payload: z.object({ ms: z.number(), started: z.string().optional(), ignoreSignal: z.boolean().default(false) }),
  run: async (payload, ctx) => {
    if (payload.started) appendFileSync(payload.started, `${ctx.task.agent} ${process.pid}\n`);
    await sleep(payload.ms, undefined, payload.ignoreSignal ? {} : { signal: ctx.signal });
    return { slept: payload.ms };
  },
});

/** Kills its own worker process the first time it runs (marker file), succeeds afterwards. */
export const crashOnce = defineSkill({
  name: 'test_crash_once',
  description: 'Exits the worker process on its first run.',
  payload: z.object({ marker: z.string() }),
  run: (payload) => {
    if (!existsSync(payload.marker)) {
      writeFileSync(payload.marker, String(process.pid));
      process.exit(13);
    }
    return { survived: true };
  },
});

/** Asks the fleet's default local model (ctx.models) a fixed greedy question and returns its answer. */
export const modelHello = defineSkill({
  name: 'test_model_hello',
  description: 'Calls ctx.models with prompt "hello" (greedy, 8 tokens) and returns the text.',
  payload: z.object({}),
  run: async (_payload, ctx) => {
    const result = await ctx.models.call({ prompt: 'hello', temperature: 0, maxOutputTokens: 8 });
    return {
      text: result.text,
      provider: result.provider,
      model: result.model,
      outputTokens: result.usage.outputTokens,
    };
  },
});

/** Returns the worker process's local-model environment (what the supervisor passed it) and its pid. */
export const localEnv = defineSkill({
  name: 'test_local_env',
  description: 'Returns BIGED_OLLAMA_HOST and BIGED_LOCAL_MODELS_HINT as the worker sees them.',
  payload: z.object({}),
  run: () => ({
    host: process.env.BIGED_OLLAMA_HOST ?? null,
    hint: process.env.BIGED_LOCAL_MODELS_HINT ?? null,
    pid: process.pid,
  }),
});
