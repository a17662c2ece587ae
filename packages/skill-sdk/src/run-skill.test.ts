import { existsSync, readFileSync } from 'node:fs';
import { createFileSystemGuard, FsGuardError, PayloadError, parseFleetConfig } from '@biged/core';
import { createTempHome } from '@biged/core/test';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineSkill } from './define-skill';
import { SkillCancelledError } from './errors/skill-cancelled-error';
import { SkillFsError } from './errors/skill-fs-error';
import { SkillNetworkDisabledError } from './errors/skill-network-disabled-error';
import { SkillResultError } from './errors/skill-result-error';
import { SkillTimeoutError } from './errors/skill-timeout-error';
import { parseSkillPayload, runSkill } from './run-skill';

const writeNote = defineSkill({
  name: 'write_note',
  description: 'Writes a note into knowledge/ and spawns a summary task.',
  payload: z.object({ title: z.string().min(1), body: z.string().default('') }),
  run: async ({ title, body }, ctx) => {
    const file = `${ctx.paths.knowledge}/${title}.md`;
    await ctx.fs.writeFile(file, `# ${title}\n${body}\n`);
    const child = await ctx.queue.spawn({ skill: 'summarize', payload: { file }, priority: 7 });
    return { file, child, agent: ctx.task.agent };
  },
});

/** Never settles and never looks at ctx.signal. */
const stubborn = defineSkill({
  name: 'stubborn',
  description: 'Ignores its signal.',
  payload: z.object({}),
  timeoutMs: 20,
  run: () => new Promise<never>(() => {}),
});

describe('runSkill', () => {
  it('validates, runs with a context and reports result, duration and spawned tasks', async () => {
    const home = createTempHome();
    try {
      const run = await runSkill(
        writeNote,
        { title: 'hello' },
        { home: home.home, task: { agent: 'coder_1' } },
      );
      expect(run.result).toEqual({ file: `${home.knowledge}/hello.md`, child: 1, agent: 'coder_1' });
      expect(run.spawned).toEqual([
        { id: 1, skill: 'summarize', payload: { file: run.result.file }, priority: 7 },
      ]);
      expect(run.durationMs).toBeGreaterThanOrEqual(0);
      expect(run.home).toBe(home.home);
      expect(readFileSync(run.result.file, 'utf8')).toBe('# hello\n\n');
    } finally {
      home.cleanup();
    }
  });

  it('uses and then deletes a temporary home by default', async () => {
    const run = await runSkill(writeNote, { title: 'x' });
    expect(run.result.file.startsWith(run.home)).toBe(true);
    expect(existsSync(run.home)).toBe(false);
  });

  it('passes spawns to a given queue and still reports them', async () => {
    const spawn = async () => 42;
    const run = await runSkill(writeNote, { title: 'q' }, { queue: { spawn } });
    expect(run.result.child).toBe(42);
    expect(run.spawned.map(({ id }) => id)).toEqual([42]);
  });

  it('rejects a payload that misses the schema, listing each field path and expectation', async () => {
    const skill = defineSkill({
      name: 'strict',
      description: 'Has a nested schema.',
      payload: z.object({
        path: z.string(),
        limits: z.object({ max: z.number() }),
        tags: z.array(z.string()),
      }),
      run: () => null,
    });
    const attempt = runSkill(skill, { path: 3, limits: { max: 'many' }, tags: ['a', 2] } as never);
    await expect(attempt).rejects.toSatisfy(PayloadError.isInstance);
    const error = (await attempt.catch((caught: unknown) => caught)) as PayloadError;
    expect(error.code).toBe('PAYLOAD_SCHEMA_MISMATCH');
    expect(error.skill).toBe('strict');
    expect(error.message).toMatchInlineSnapshot(`
      "payload for skill "strict" does not match its schema:
        - path: expected string, received number
        - limits.max: expected number, received string
        - tags[1]: expected string, received number"
    `);
    expect(() => parseSkillPayload(skill, {})).toThrow('path: expected string, received undefined');
  });

  it('times out a skill that ignores its signal, and aborts ctx.signal with the same error', async () => {
    let seen: AbortSignal | undefined;
    const watcher = defineSkill({
      ...stubborn,
      name: 'watcher',
      run: (_payload, ctx) => {
        seen = ctx.signal;
        return new Promise<never>(() => {});
      },
    });
    const error = await runSkill(watcher, {}).catch((caught: unknown) => caught);
    expect(SkillTimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SKILL_TIMEOUT', skill: 'watcher', timeoutMs: 20 });
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBe(error);
  });

  it('lets options.timeoutMs override the skill default', async () => {
    const error = await runSkill(stubborn, {}, { timeoutMs: 5 }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SKILL_TIMEOUT', timeoutMs: 5 });
  });

  it('cancels through an external signal, before or during the run', async () => {
    const controller = new AbortController();
    const running = runSkill(
      stubborn,
      {},
      { signal: controller.signal, timeoutMs: Number.POSITIVE_INFINITY },
    );
    setTimeout(() => controller.abort(new Error('user pressed stop')), 5);
    const error = await running.catch((caught: unknown) => caught);
    expect(SkillCancelledError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SKILL_CANCELLED', skill: 'stubborn' });
    expect((error as Error).cause).toEqual(new Error('user pressed stop'));

    await expect(runSkill(stubborn, {}, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: 'SKILL_CANCELLED',
    });
  });

  it('cancels when the signal is aborted while the run is still being set up', async () => {
    const controller = new AbortController();
    // runSkill is past its synchronous checks and awaiting its temp home when this abort fires.
    const running = runSkill(
      stubborn,
      {},
      { signal: controller.signal, timeoutMs: Number.POSITIVE_INFINITY },
    );
    controller.abort(new Error('stopped early'));
    await expect(running).rejects.toMatchObject({
      code: 'SKILL_CANCELLED',
      cause: new Error('stopped early'),
    });
  });

  it('hands onStart a cancel function that aborts ctx.signal and rejects the run', async () => {
    let seen: AbortSignal | undefined;
    const watcher = defineSkill({
      name: 'watcher',
      description: 'Waits forever.',
      payload: z.object({}),
      run: (_payload, ctx) => {
        seen = ctx.signal;
        return new Promise<never>(() => {});
      },
    });
    const running = runSkill(watcher, {}, { onStart: (cancel) => setTimeout(() => cancel('stop'), 5) });
    const error = await running.catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SKILL_CANCELLED', skill: 'watcher', cause: 'stop' });
    expect(seen?.aborted).toBe(true);
  });

  it('refuses a skill that needs the network in offline and air-gap mode', async () => {
    const online = defineSkill({
      name: 'online',
      description: 'Needs the internet.',
      payload: z.object({}),
      requiresNetwork: true,
      run: () => 'fetched',
    });
    const offline = parseFleetConfig({ fleet: { offline_mode: true } }).config;
    const airGap = parseFleetConfig({ fleet: { air_gap_mode: true } }).config;
    await expect(runSkill(online, {}, { config: offline })).rejects.toMatchObject({
      code: 'SKILL_NETWORK_DISABLED',
      mode: 'offline',
    });
    const error = await runSkill(online, {}, { config: airGap }).catch((caught: unknown) => caught);
    expect(SkillNetworkDisabledError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ mode: 'air-gap' });
    await expect(runSkill(online, {})).resolves.toMatchObject({ result: 'fetched' });
  });

  it('passes errors thrown by the skill through unchanged', async () => {
    const failing = defineSkill({
      name: 'failing',
      description: 'Throws.',
      payload: z.object({}),
      run: () => {
        throw new RangeError('nope');
      },
    });
    await expect(runSkill(failing, {})).rejects.toThrow(RangeError);
  });

  it('refuses a result that is not JSON-serialisable', async () => {
    const cyclic = defineSkill({
      name: 'cyclic',
      description: 'Returns a cycle.',
      payload: z.object({}),
      run: () => {
        const value: Record<string, unknown> = {};
        value.self = value;
        return value;
      },
    });
    const error = await runSkill(cyclic, {}).catch((caught: unknown) => caught);
    expect(SkillResultError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'SKILL_RESULT_NOT_JSON' });
  });

  it('guards ctx.fs: reads outside the home and the given read roots are denied', async () => {
    const other = createTempHome();
    try {
      const reader = defineSkill({
        name: 'reader',
        description: 'Reads a file.',
        payload: z.object({ file: z.string() }),
        run: (payload, ctx) => ctx.fs.readFile(payload.file, 'utf8'),
      });
      const file = `${other.home}/data.txt`;
      await import('node:fs/promises').then(({ writeFile }) => writeFile(file, 'data'));
      await expect(runSkill(reader, { file })).rejects.toSatisfy(SkillFsError.isInstance);
      await expect(runSkill(reader, { file }, { readRoots: [other.home] })).resolves.toMatchObject({
        result: 'data',
      });
    } finally {
      other.cleanup();
    }
  });

  it("applies the fleet FileSystemGuard with the skill's override when fsGuard is given", async () => {
    const home = createTempHome();
    const docs = createTempHome();
    try {
      const reader = defineSkill({
        name: 'reader',
        description: 'Reads a file.',
        payload: z.object({ file: z.string() }),
        run: (payload, ctx) => ctx.fs.readFile(payload.file, 'utf8'),
      });
      const writer = defineSkill({
        name: 'writer',
        description: 'Writes a file.',
        payload: z.object({ file: z.string() }),
        run: async (payload, ctx) => {
          await ctx.fs.writeFile(payload.file, 'new');
          return 'ok';
        },
      });
      const file = `${docs.home}/data.txt`;
      await import('node:fs/promises').then(({ writeFile }) => writeFile(file, 'data'));
      const config = parseFleetConfig({
        filesystem: {
          zones: { docs: { path: docs.home, access: 'read' } },
          overrides: { writer: { zones: ['docs'], access: 'read_write' } },
          enterprise: { enforce: true },
        },
      }).config;
      const fsGuard = createFileSystemGuard({ config, home: home.home });
      await expect(runSkill(reader, { file }, { home: home.home, fsGuard })).resolves.toMatchObject({
        result: 'data',
      });
      await expect(
        runSkill(writer, { file: `${docs.home}/x.txt` }, { home: home.home, fsGuard }),
      ).resolves.toMatchObject({
        result: 'ok',
      });
      const outside = createTempHome();
      try {
        await expect(
          runSkill(
            reader,
            { file: `${outside.home}/fleet.toml` },
            { home: home.home, fsGuard, readRoots: [outside.home] },
          ),
        ).rejects.toSatisfy(FsGuardError.isInstance);
      } finally {
        outside.cleanup();
      }
    } finally {
      home.cleanup();
      docs.cleanup();
    }
  });
});
