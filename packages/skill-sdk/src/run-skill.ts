import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  createSilentLogger,
  type FileSystemGuard,
  type FleetConfig,
  type FleetPaths,
  fleetPaths,
  type Logger,
  PayloadError,
  parseFleetConfig,
} from '@biged/core';
import type { z } from 'zod';
import { createInMemorySkillQueue, type SpawnedTask } from './create-in-memory-skill-queue';
import { createSkillFs } from './create-skill-fs';
import { createSkillModels, type SkillModelRouter } from './create-skill-models';
import type { Skill } from './define-skill';
import { HumanInputRequiredError } from './errors/human-input-required-error';
import { SkillCancelledError } from './errors/skill-cancelled-error';
import { SkillResultError } from './errors/skill-result-error';
import { SkillTimeoutError } from './errors/skill-timeout-error';
import { skillModeRefusal } from './skill-mode-refusal';
import type { SkillContext, SkillFs, SkillPayloadSchema, SkillQueue, SkillTaskInfo } from './skill-v1';

/** Options for `runSkill`. Every one is optional; the defaults make a self-contained test run. */
export interface RunSkillOptions {
  /**
   * The fleet home (`ctx.paths`, and the root of the default fs guard). Default: a fresh temp directory
   * that is deleted after the run; pass your own (e.g. `createTempHome()` from `@biged/core/test`) to
   * look at what the skill wrote. A given home is never deleted.
   */
  home?: string;
  /** The fleet config. Default: `parseFleetConfig({}).config` (all defaults). */
  config?: FleetConfig;
  /** The logger. Default: a silent logger. */
  log?: Logger;
  /** Cancels the run when aborted (rejects with `SkillCancelledError`). Default: none. */
  signal?: AbortSignal;
  /**
   * Called once the run has started with a function that cancels it (like aborting `signal`, but without
   * the caller creating an AbortController per run; hosts that run many short skills use it). Default none.
   */
  onStart?: (cancel: (reason?: unknown) => void) => void;
  /** Time limit in milliseconds. Default: the skill's `timeoutMs`. `Infinity` disables it. */
  timeoutMs?: number;
  /**
   * Extra directories the skill may read (besides the home), e.g. the directory the payload names.
   * Ignored when `fs` is given. Default `[]`.
   */
  readRoots?: readonly string[];
  /** The file-system guard. Default: `createSkillFs({ readRoots: [home, ...readRoots], writeRoots: [home] })`. */
  fs?: SkillFs;
  /**
   * The fleet's FileSystemGuard (`createFileSystemGuard` from @biged/core). When given (and `fs` is not),
   * `ctx.fs` is `createSkillFs({ guard: fsGuard.forSkill(skill.name) })`: the `[filesystem]` zones and
   * the skill's override decide, and `readRoots` is ignored. Default: none (the roots decide).
   */
  fsGuard?: FileSystemGuard;
  /**
   * The queue `ctx.queue.spawn` and `ctx.queue.askHuman` go to. Default: an in-memory queue that returns
   * ids 1, 2, 3, ... and has no human answers (`createInMemorySkillQueue({ humanAnswers })` gives some).
   * Spawned tasks are reported in the result whichever queue is used. A queue without `askHuman` (hosts
   * written before it existed) makes every question reject with `HumanInputRequiredError`.
   */
  queue?: RunSkillQueue;
  /** The task being run. Default `{ id: 1, attempt: 1, agent: 'local' }`. */
  task?: Partial<SkillTaskInfo>;
  /**
   * The model router behind `ctx.models` (the skill, agent and task signal are filled in on each call).
   * Default: none, so `ctx.models.available` is false and calls reject with `SkillModelsUnavailableError`.
   * Tests pass `createRouter({ providers: [new MockModelProvider(...)] })` from `@biged/core`.
   */
  models?: SkillModelRouter;
}

/** The queue `runSkill` takes: a `SkillQueue`, where `askHuman` may be missing. */
export type RunSkillQueue = Omit<SkillQueue, 'askHuman'> & Partial<Pick<SkillQueue, 'askHuman'>>;

/** What `runSkill` resolves with. */
export interface RunSkillResult<Result> {
  /** The skill's return value (checked to be JSON-serialisable). */
  result: Result;
  /** Wall time of `run`, in milliseconds (validation excluded). */
  durationMs: number;
  /** Child tasks the skill spawned, in order, with the ids the queue gave them. */
  spawned: SpawnedTask[];
  /** The fleet home used (already deleted if it was a temporary one). */
  home: string;
}

// setTimeout fires at once for delays above 2^31 - 1 ms; treat those as "no limit".
const MAX_TIMER_MS = 2_147_483_647;

const renderPath = (segments: readonly PropertyKey[]) =>
  segments.reduce<string>((rendered, segment) => {
    if (typeof segment === 'number') return `${rendered}[${segment}]`;
    const key = String(segment);
    return rendered === '' ? key : `${rendered}.${key}`;
  }, '');

/**
 * Validates `payload` against the skill's schema and returns the parsed value (defaults applied).
 * Throws `PayloadError` (`PAYLOAD_SCHEMA_MISMATCH`) whose message lists every bad field path and what was
 * expected. Hosts can call it before enqueueing to reject a bad payload early.
 */
export function parseSkillPayload<Schema extends SkillPayloadSchema>(
  skill: Skill<Schema, unknown>,
  payload: unknown,
): z.output<Schema> {
  const parsed = skill.payload.safeParse(payload);
  if (parsed.success) return parsed.data as z.output<Schema>;
  const lines = parsed.error.issues.map((issue) => {
    const where = renderPath(issue.path) || '(payload)';
    const what = issue.message.replace(/^Invalid input: /, '');
    return `  - ${where}: ${what}`;
  });
  throw new PayloadError({
    code: 'PAYLOAD_SCHEMA_MISMATCH',
    skill: skill.name,
    message: `payload for skill "${skill.name}" does not match its schema:\n${lines.join('\n')}`,
    cause: parsed.error,
    hint: 'fix the fields listed above and dispatch the task again',
  });
}

/**
 * Runs a skill the way the worker does: validates the payload (`PayloadError`,
 * `PAYLOAD_SCHEMA_MISMATCH`), refuses what the fleet's mode refuses (`skillModeRefusal`: a `requiresNetwork`
 * skill offline, a skill off the air-gap allow-list), builds a `SkillContext`, runs the skill under a time limit and the caller's
 * signal, and checks the result is JSON-serialisable (`SkillResultError`).
 *
 * The time limit aborts `ctx.signal` (reason: a `SkillTimeoutError`) and rejects at once, even when the
 * skill ignores the signal; its leftover work is then abandoned, not killed. An aborted `options.signal`
 * does the same with `SkillCancelledError`. Errors the skill throws are passed through unchanged; among
 * them `HumanInputRequiredError` (from `ctx.queue.askHuman`) is not a failure but a question for a human:
 * the worker parks the task in WAITING_HUMAN instead of failing it.
 *
 * Skill authors use it in tests; the worker uses it in production with its own home, queue and signal.
 */
export async function runSkill<Schema extends SkillPayloadSchema, Result>(
  skill: Skill<Schema, Result>,
  payload: z.input<Schema>,
  options: RunSkillOptions = {},
): Promise<RunSkillResult<Result>> {
  const parsed = parseSkillPayload(skill, payload);
  const config = options.config ?? parseFleetConfig({}).config;
  const refusal = skillModeRefusal(skill, config);
  if (refusal) throw refusal;
  if (options.signal?.aborted)
    throw new SkillCancelledError({ skill: skill.name, cause: options.signal.reason });

  const temporaryHome = options.home === undefined;
  const home = path.resolve(options.home ?? (await mkdtemp(path.join(tmpdir(), 'biged-skill-'))));
  const spawned: SpawnedTask[] = [];
  const queue = options.queue ?? createInMemorySkillQueue();
  const controller = new AbortController();
  let fs: SkillFs | undefined;
  let paths: FleetPaths | undefined;
  const context: SkillContext = {
    config,
    log: options.log ?? createSilentLogger(),
    signal: controller.signal,
    // Built on first use: resolving the roots touches the disk, and most skills never use ctx.fs.
    get fs() {
      fs ??=
        options.fs ??
        (options.fsGuard
          ? createSkillFs({ guard: options.fsGuard.forSkill(skill.name) })
          : createSkillFs({ readRoots: [home, ...(options.readRoots ?? [])], writeRoots: [home] }));
      return fs;
    },
    queue: {
      async spawn(input) {
        const id = await queue.spawn(input);
        spawned.push({ ...input, id });
        return id;
      },
      askHuman(input) {
        if (queue.askHuman) return queue.askHuman(input);
        return Promise.reject(
          new HumanInputRequiredError({ question: input.question, context: input.context }),
        );
      },
    },
    get paths() {
      paths ??= fleetPaths(home);
      return paths;
    },
    task: { id: 1, attempt: 1, agent: 'local', ...options.task },
    models: createSkillModels({
      router: options.models,
      skill: skill.name,
      agent: options.task?.agent ?? 'local',
      signal: controller.signal,
    }),
  };

  const timeoutMs = options.timeoutMs ?? skill.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  let onCancel: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    const stop = (error: Error) => {
      controller.abort(error);
      reject(error);
    };
    if (Number.isFinite(timeoutMs) && timeoutMs <= MAX_TIMER_MS) {
      timer = setTimeout(() => stop(new SkillTimeoutError({ skill: skill.name, timeoutMs })), timeoutMs);
    }
    options.onStart?.((reason) => stop(new SkillCancelledError({ skill: skill.name, cause: reason })));
    if (options.signal) {
      const external = options.signal;
      onCancel = () => stop(new SkillCancelledError({ skill: skill.name, cause: external.reason }));
      // The signal may have been aborted while the temp home was being created (after the check above):
      // an abort event that already fired would never reach a listener added now.
      if (external.aborted) onCancel();
      else external.addEventListener('abort', onCancel, { once: true });
    }
  });
  // Once the run is over nobody awaits `stopped`; keep a late rejection from being reported as unhandled.
  stopped.catch(() => {});

  const started = performance.now();
  try {
    const running = Promise.resolve().then(() => skill.run(parsed, context));
    // A skill that ignores the signal may still reject after we have given up on it: keep that quiet.
    running.catch(() => {});
    const result = await Promise.race([running, stopped]);
    const durationMs = performance.now() - started;
    try {
      JSON.stringify(result);
    } catch (error) {
      throw new SkillResultError({ skill: skill.name, cause: error });
    }
    return { result, durationMs, spawned, home };
  } finally {
    clearTimeout(timer);
    if (onCancel) options.signal?.removeEventListener('abort', onCancel);
    if (temporaryHome) await rm(home, { recursive: true, force: true });
  }
}
