import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AgentSpec,
  affinityOf,
  BigedError,
  type FileSystemGuard,
  type FleetConfig,
  type FleetPaths,
  type Logger,
  ModelCallError,
  PayloadError,
  payloadPaths,
  redactJson,
  redactSecrets,
  type Task,
  toError,
} from '@biged/core';
import { admitGpuTask, type HwState } from '@biged/hw-monitor';
import { type ClaimOptions, createSqliteStore, type TaskQueue, type TaskStore } from '@biged/queue';
import {
  HumanInputRequiredError,
  runSkill,
  type SkillModelRouter,
  type SkillRegistry,
} from '@biged/skill-sdk';
import { createAskHuman, parkForHuman } from './human-input';
import { createHwStateReader, type HwStateReader } from './hw-state-reader';
import { createIdleWork } from './idle-work';
import { createWorkerFsGuard } from './worker-fs-guard';
import { collectGarbage } from './worker-gc';
import { createWorkflowStepGate } from './workflow-step';

/** Options for `runWorker`. */
export interface RunWorkerOptions {
  agent: AgentSpec;
  config: FleetConfig;
  paths: FleetPaths;
  /**
   * The SQLite queue, when the fleet's queue is SQLite: the worker claims through it (via
   * `createSqliteStore` unless `store` is given) and it also backs what only the SQLite queue has so far:
   * workflow steps and idle work. Omit on a PostgreSQL fleet.
   */
  queue?: TaskQueue;
  /** The task store the worker claims from and settles into. Default `createSqliteStore(queue)`. */
  store?: TaskStore;
  skills: SkillRegistry;
  log: Logger;
  /** Idle poll interval bounds in ms: the worker backs off from `min` to `max` while the queue is empty. Default 5..250. */
  idlePollMs?: { min: number; max: number };
  /**
   * The model router behind every skill's `ctx.models`: build it once per worker process
   * (`createFleetRouter`), not per task. Default: none, so a skill that calls a model fails with
   * `SKILL_NO_MODEL_ROUTER` and the others run as usual.
   */
  models?: SkillModelRouter;
  /**
   * The supervisor's advice when it found no local model backend (`BIGED_LOCAL_MODELS_HINT`): appended to
   * the error of a task whose local model call could not connect. Default: none.
   */
  localModelsHint?: string;
  /**
   * The hardware monitor's state (hw_state.json), which the worker follows: it does not claim
   * `[thermal] gpu_heavy_skills` while the state says `gpu_heavy_allowed: false` or while `admitGpuTask`
   * refuses the model they would call (the state's tier `model`; at the default tier that is `[models]
   * local` unless `[models.tiers] default` is set) with
   * the state's `models_loaded` and VRAM figures (so they wait for VRAM instead of forcing a model swap),
   * and a `local` model call
   * that names no model asks for the state's tier `model`. A missing or stale state changes nothing.
   * `false`: ignore the monitor. Default: `createHwStateReader` on `paths.hwState` with `[thermal]
   * poll_interval_secs` when `[fleet] hw_monitor` is true, else `false`.
   */
  hwState?: HwStateReader | false;
  /**
   * Whether a `local` call that names no model asks for the hardware monitor's tier model. Default true;
   * worker-main turns it off for the embedded backend, which serves only its own GGUF files.
   */
  useTierModel?: boolean;
  /**
   * The guard behind every skill's `ctx.fs` (issue 9): `[filesystem]` zones, overrides and enforcement,
   * each decision written to the audit trail. `false`: the old roots (home + payload paths). Default
   * `createWorkerFsGuard` on the queue.
   */
  fsGuard?: FileSystemGuard | false;
  /**
   * Called after every finished task (tests, benchmarks); `WAITING_HUMAN`: the skill asked a human
   * (`ctx.queue.askHuman`) and the task was parked until an answer.
   */
  onTaskFinished?: (
    task: Task,
    outcome: 'DONE' | 'FAILED' | 'RETRY' | 'CANCELLED' | 'WAITING_HUMAN' | 'SKIPPED',
  ) => void;
  /** Random numbers in [0, 1) for picking idle work by weight (tests seed it). Default `Math.random`. */
  random?: () => number;
}

/** A running worker loop. */
export interface WorkerHandle {
  /** Stops claiming; lets the running task finish for up to `graceMs`, then aborts it. Resolves when the loop ended. */
  stop(graceMs?: number): Promise<void>;
  /** Resolves when the loop has ended. */
  done: Promise<void>;
  /** The task being run, if any. */
  readonly currentTaskId: number | null;
}

/** The task a worker is running, and how to cancel it (set once runSkill has started). */
interface RunningTask {
  task: Task;
  cancel: ((reason: Error) => void) | null;
  /** Why it was cancelled, if it was: a cancel that comes before runSkill starts is applied then. */
  cancelled: Error | null;
}

type Outcome =
  | { kind: 'done'; result: unknown }
  | { kind: 'failed'; error: string; retry: boolean }
  | { kind: 'cancelled' }
  | { kind: 'parked' }
  | { kind: 'skipped' };

/** A task faster than this lets the worker claim the next ones in a batch. */
const FAST_TASK_MS = 5;
/** Largest claim batch. */
const MAX_BATCH = 32;
/**
 * Largest claim batch on PostgreSQL, where every settle pays network round trips (BEGIN, complete, promote,
 * claim, COMMIT) that SQLite's in-process calls do not: 256 no-op tasks settle in ~22 ms against ~6 ms for
 * 32, twice the throughput per worker (docs/performance.md, "Queue throughput against peers").
 */
export const MAX_BATCH_POSTGRES = 256;
/** How long the loop waits before it tries a store that failed again. */
const STORE_RETRY_MS = 1000;
/** Finished results are stored at least this often while a batch runs. */
const SETTLE_AFTER_MS = 100;
/**
 * How often a worker reads its inbox (direct messages and broadcasts), at most. Between reads the loop pays
 * one clock read, so a broadcast `{"type": "pause"}` stops claims within this interval plus one task.
 */
export const INBOX_POLL_MS = 500;

const NO_RETRY_CODES = new Set([
  'SKILL_NETWORK_DISABLED',
  'SKILL_NOT_ALLOWED_AIR_GAP',
  'SKILL_NOT_FOUND',
  'SKILL_RESULT_NOT_JSON',
  // A result too large or too deep to scan for secrets is not stored unscanned; running again will not help.
  'DLP_INPUT_TOO_LARGE',
  'DLP_INPUT_TOO_DEEP',
  // A path outside the zones under enforce = true is refused the same way every time.
  'FS_ZONE_DENIED',
  // A workflow step whose `$` reference has no value (issue 11): the same on every attempt.
  'WORKFLOW_STEP_UNRESOLVED',
  'WORKFLOW_UNKNOWN_VARIABLE',
]);

/**
 * True when the error (or what it wraps: a retry's attempts, a fallback's causes) is a call to the `local`
 * provider that got no HTTP answer at all: no Ollama API is listening.
 */
function isLocalConnectionFailure(error: unknown, depth = 0): boolean {
  if (depth > 5 || error === null || typeof error !== 'object') return false;
  if (ModelCallError.isInstance(error) && error.providerId === 'local' && error.statusCode === undefined) {
    return true;
  }
  const record = error as { cause?: unknown; lastError?: unknown; errors?: unknown };
  const inner = [record.cause, record.lastError, ...(Array.isArray(record.errors) ? record.errors : [])];
  return inner.some((item) => item !== error && isLocalConnectionFailure(item, depth + 1));
}

/** Directories and files a task payload names explicitly (absolute paths); the skill may read inside them. */
function readRootsOf(payload: Record<string, unknown>): string[] {
  return payloadPaths(payload).filter((item) => existsSync(item));
}

/**
 * The router with the hardware monitor's tier model filled in: a `call` or `stream` for the `local`
 * provider (named, or the default, which is `local` in `createFleetRouter`) that names no model asks for
 * `tierModel()`, when it knows one. Embeddings and other providers pass through unchanged.
 */
export function withTierModel(
  router: SkillModelRouter,
  tierModel: () => string | undefined,
): SkillModelRouter {
  const fill = <R extends { provider?: string; model?: string }>(request: R): R => {
    if (request.model !== undefined || (request.provider !== undefined && request.provider !== 'local')) {
      return request;
    }
    const model = tierModel();
    return model ? { ...request, model } : request;
  };
  return {
    call: (request) => router.call(fill(request)),
    stream: (request) => router.stream(fill(request)),
    embed: (request) => router.embed(request),
  };
}

/**
 * The worker loop: claim (by assignment, then role affinity, then priority and age), run the skill with
 * its timeout and cancellation, heartbeat while it runs, and store the result or error in the same
 * transaction that claims the next task(s). Short tasks are claimed and settled in batches (see the
 * constants above and docs/performance.md).
 */
export function runWorker(options: RunWorkerOptions): WorkerHandle {
  const { agent, config, paths, queue, skills, log, localModelsHint } = options;
  const store =
    options.store ??
    (queue
      ? createSqliteStore(queue)
      : (() => {
          throw new TypeError('runWorker needs a queue or a store');
        })());
  const fsGuard =
    options.fsGuard ??
    (queue ? createWorkerFsGuard({ config, home: paths.home, queue, agent: agent.name, log }) : false);
  const idle = options.idlePollMs ?? { min: 5, max: 250 };
  const heartbeatMs = config.fleet.heartbeat_interval_secs * 1000;
  const hwState =
    options.hwState ??
    (config.fleet.hw_monitor
      ? createHwStateReader({
          file: paths.hwState,
          pollIntervalMs: config.thermal.poll_interval_secs * 1000,
        })
      : false);
  const models =
    hwState && options.models && options.useTierModel !== false
      ? // The monitor's default tier model is `[models] local` unless [models.tiers] sets it, so the
        // state's model is the one to ask for at every tier.
        withTierModel(options.models, () => hwState.current()?.model)
      : options.models;
  const skillNames = skills.list().map((skill) => skill.name);
  const maxBatch = store.dialect === 'postgres' ? MAX_BATCH_POSTGRES : MAX_BATCH;
  const claimOptions: ClaimOptions = {
    skills: skillNames,
    preferredSkills: affinityOf(config, agent),
  };
  // While the GPU cools down (hw_state.json gpu_heavy_allowed: false), or while the model they would call
  // does not fit in VRAM beside the loaded ones (admitGpuTask), the GPU-heavy skills stay PENDING for
  // later; both claim shapes are built once, so the loop only picks one.
  const heavySkills = config.thermal.gpu_heavy_skills.filter((name) => skillNames.includes(name));
  const coolingClaimOptions: ClaimOptions = { ...claimOptions, excludeSkills: heavySkills };
  const claimRequest = { agent: agent.name, ...claimOptions };
  const coolingClaimRequest = { agent: agent.name, ...coolingClaimOptions };
  let heavyPaused: string | undefined;
  // The decision is worked out once per state object (the reader re-reads the file once per poll).
  let decidedFor: HwState | undefined;
  let decided: string | undefined;
  /** Why GPU-heavy work must wait under `state`, or undefined when it may be claimed. */
  const heavyPauseReason = (state: HwState): string | undefined => {
    if (state.gpu_heavy_allowed === false) return 'the GPU is cooling down';
    const admission = admitGpuTask({
      model: state.model,
      loadedModels: state.models_loaded.map((loaded) => loaded.name),
      vramUsedMb: state.thermal.vram_used_mb,
      vramTotalMb: state.thermal.vram_total_mb,
      vram: config.thermal.vram,
    });
    return admission.admit ? undefined : `VRAM admission: ${admission.reason}`;
  };
  /** Whether GPU-heavy skills are paused now; a clock read unless the state is due for a re-read. */
  const pausedNow = (): boolean => {
    if (hwState === false || heavySkills.length === 0) return false;
    const state = hwState.current();
    if (state !== decidedFor) {
      decidedFor = state;
      decided = state ? heavyPauseReason(state) : undefined;
    }
    if (decided !== heavyPaused) {
      heavyPaused = decided;
      if (decided) log.info(`GPU-heavy skills paused: ${decided}`, { skills: heavySkills });
      else log.info('GPU-heavy skills resumed', { skills: heavySkills });
    }
    return decided !== undefined;
  };
  // Workflow steps and idle work (issue 11) live in the SQLite queue's tables: off on other stores.
  const workflowSteps = queue ? createWorkflowStepGate({ queue, agent: agent.name, log }) : undefined;
  // Idle work: undefined unless [fleet] idle_enabled and the role has a curriculum.
  const idleWork = queue
    ? createIdleWork({
        queue,
        agent,
        config,
        paths,
        log,
        skills: skillNames,
        hwState,
        ...(options.random ? { random: options.random } : {}),
      })
    : undefined;
  let stopping = false;
  let current: RunningTask | null = null;
  const cancelRunning = (running: RunningTask, reason: Error) => {
    running.cancelled ??= reason;
    running.cancel?.(reason);
  };
  /** Ends the current idle wait early (stop). */
  let idleWait: AbortController | null = null;
  const waitIdle = async (timeoutMs: number) => {
    idleWait = new AbortController();
    try {
      await store.waitForWork({ timeoutMs, signal: idleWait.signal });
    } catch (error) {
      // A store that cannot wait (connection lost) must not end the loop: sleep instead.
      log.warn('waiting for work failed', { error: toError(error).message });
      await sleep(timeoutMs, undefined, { signal: idleWait.signal }).catch(() => undefined);
    } finally {
      idleWait = null;
    }
  };

  /**
   * DLP (issue 9): a secret in a result or an error is redacted before it is stored, and raises a
   * `dlp_alert` naming the kinds found (never the secret).
   */
  const reportRedaction = (task: Task, what: 'result' | 'error', kinds: string[]) => {
    const unique = [...new Set(kinds)].join(', ');
    log.warn('secrets redacted before storing', { taskId: task.id, skill: task.skill, what, kinds: unique });
    store
      .raiseAlert({
        type: 'dlp_alert',
        severity: 'warning',
        message: `task ${task.id} (${task.skill}): ${kinds.length} secret(s) redacted from its ${what}: ${unique}`,
        source: agent.name,
      })
      .catch((error: unknown) => log.warn('could not raise dlp_alert', { error: toError(error).message }));
  };
  /** The error text as it may be stored. */
  const storableError = (task: Task, text: string): string => {
    try {
      const { text: clean, findings } = redactSecrets(text);
      if (findings.length > 0)
        reportRedaction(
          task,
          'error',
          findings.map((finding) => finding.kind),
        );
      return clean;
    } catch {
      return '(error text withheld: too large to scan for secrets)';
    }
  };

  const runOne = async (task: Task): Promise<Outcome> => {
    // Cancellation goes through runSkill's own controller (onStart), so no AbortController per task here.
    const running: RunningTask = { task, cancel: null, cancelled: null };
    current = running;
    const taskLog = log.child({ taskId: task.id, skill: task.skill });
    try {
      if (!skills.has(task.skill)) {
        return { kind: 'failed', error: `unknown skill "${task.skill}"`, retry: false };
      }
      const skill = skills.get(task.skill);
      // Workflow steps (issue 11): a false condition skips the task; `$` references resolve here.
      const step = workflowSteps ? workflowSteps.prepare(task) : undefined;
      if (step?.kind === 'skipped') return { kind: 'skipped' };
      const payload = step ? step.payload : task.payload;
      const timeoutMs = config.skills.timeouts[task.skill]
        ? config.skills.timeouts[task.skill]! * 1000
        : task.timeoutMs;
      taskLog.debug('task started', { attempt: task.attempts });
      const { result, durationMs } = await runSkill(skill, payload, {
        config,
        home: paths.home,
        log: taskLog,
        onStart: (cancel) => {
          running.cancel = cancel;
          if (running.cancelled) cancel(running.cancelled);
        },
        timeoutMs,
        readRoots: readRootsOf(payload),
        ...(fsGuard ? { fsGuard } : {}),
        task: { id: task.id, attempt: task.attempts, agent: agent.name },
        models,
        queue: {
          spawn: async (child) => (await store.enqueue({ ...child, parentId: task.id })).id,
          // Human in the loop: the question and its answer live in the store, on SQLite and PostgreSQL.
          askHuman: createAskHuman(store, task.id),
        },
      });
      const scanned = redactJson(result ?? null);
      if (scanned.findings.length > 0)
        reportRedaction(
          task,
          'result',
          scanned.findings.map((finding) => finding.kind),
        );
      taskLog.info('task done', { durationMs: Math.round(durationMs * 10) / 10 });
      return { kind: 'done', result: scanned.value };
    } catch (error) {
      if (running.cancelled && (await store.get(task.id).catch(() => undefined))?.status === 'CANCELLED') {
        taskLog.info('task cancelled');
        return { kind: 'cancelled' };
      }
      // Not a failure: the skill asked a human. The task waits in WAITING_HUMAN (issue 4, human-in-the-loop).
      if (HumanInputRequiredError.isInstance(error)) {
        const parked = await parkForHuman(store, task.id, agent.name, error);
        if (parked.kind === 'parked') {
          taskLog.info('task waits for a human', { requestId: parked.requestId });
          return { kind: 'parked' };
        }
        const stored = storableError(task, parked.error);
        taskLog.error('task failed', { error: stored, retry: false });
        return { kind: 'failed', error: stored, retry: false };
      }
      const failure = toError(error);
      // A payload that fails the skill's schema, or a network skill in offline mode, fails the same way
      // every time: no retry.
      const retry =
        !PayloadError.isInstance(failure) &&
        !(BigedError.isInstance(failure) && NO_RETRY_CODES.has(failure.code));
      const code = BigedError.isInstance(failure) ? `${failure.code}: ` : '';
      const advice = localModelsHint && isLocalConnectionFailure(failure) ? ` (${localModelsHint})` : '';
      const stored = storableError(task, `${code}${failure.message}${advice}`);
      taskLog.error('task failed', { error: stored, retry });
      return { kind: 'failed', error: stored, retry };
    } finally {
      current = null;
    }
  };

  // One heartbeat timer for the worker's life: it refreshes the running task (and learns whether it was
  // cancelled or taken away) and the agent row. A timer per task would cost more than a no-op skill.
  // A beat that is still waiting for the database (PostgreSQL restarting) is not stacked on.
  let beating = false;
  const beat = setInterval(async () => {
    if (beating) return;
    beating = true;
    const running = current;
    try {
      if (running) {
        const state = await store.heartbeat(running.task.id, agent.name);
        if (state.cancelled || state.lost)
          cancelRunning(running, new Error(state.cancelled ? 'task cancelled' : 'task lost'));
      }
      await store.agentHeartbeat(agent.name, {
        status: running ? 'BUSY' : 'IDLE',
        currentTaskId: running?.task.id ?? null,
      });
    } catch (error) {
      log.warn('heartbeat failed', { error: toError(error).message, taskId: running?.task.id });
    } finally {
      beating = false;
    }
  }, heartbeatMs);
  beat.unref();

  // Messages (issue 4): `{"type": "pause"}` / `{"type": "resume"}`, broadcast by `biged broadcast PAUSE`
  // or sent to this agent, stop and restart claiming; any other message is logged for the operator.
  let paused = false;
  let inboxReadAt = Number.NEGATIVE_INFINITY;
  const readInbox = async () => {
    const now = Date.now();
    if (now - inboxReadAt < INBOX_POLL_MS) return;
    inboxReadAt = now;
    let messages: Awaited<ReturnType<TaskStore['inbox']>>;
    try {
      messages = await store.inbox(agent.name, { markRead: true, limit: 100 });
    } catch (error) {
      log.warn('inbox read failed', { error: toError(error).message });
      return;
    }
    for (const message of messages) {
      const type = message.body.type;
      if (type === 'pause' || type === 'resume') {
        const pause = type === 'pause';
        if (pause !== paused)
          log.warn(pause ? 'paused by message' : 'resumed by message', {
            from: message.from,
            messageId: message.id,
          });
        paused = pause;
      } else if (type === 'gc') {
        // memory_optimizer's optimize: a full collection when Node exposes global.gc, else nothing.
        const outcome = collectGarbage();
        log.info(outcome.ran ? 'garbage collected on request' : 'gc requested; global.gc not exposed', {
          from: message.from,
          messageId: message.id,
          ...outcome,
        });
      } else {
        log.info('message', {
          from: message.from,
          channel: message.channel,
          messageId: message.id,
          body: message.body,
        });
      }
    }
  };

  // A store call that fails (the database locked past its timeout, PostgreSQL restarting) must not end the
  // loop: what finished stays in `completed`/`failed` for the next settle, and the loop waits and retries.
  let storeFailing = false;
  /** A claim failed: it may have committed without the worker seeing its tasks. */
  let claimUncertain = false;
  const storeCall = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    try {
      const result = await call();
      if (storeFailing) log.info('the queue answers again');
      storeFailing = false;
      return result;
    } catch (error) {
      if (!storeFailing) log.error('queue call failed; retrying', { error: toError(error).message });
      storeFailing = true;
      return undefined;
    }
  };

  const loop = async () => {
    await storeCall(() => store.agentHeartbeat(agent.name, { status: 'IDLE', currentTaskId: null }));
    let pollMs = idle.min;
    // Adaptive batching: while tasks finish in under FAST_TASK_MS the worker claims (and settles) them
    // in growing batches, paying one commit for many tasks; the first slow task drops the batch to one
    // and hands back whatever it had claimed but not started, so other workers can take it.
    let batch = 1;
    let held: Task[] = [];
    let completed: { taskId: number; result: unknown }[] = [];
    let failed: { taskId: number; error: string; retry: boolean }[] = [];
    let unsettledSince = 0;
    const settleResult = async (claim: boolean, released: number[] = [], releaseHeld = false) => {
      const result = await store.settle({
        agent: agent.name,
        completed,
        failed,
        released,
        releaseHeld,
        ...(claim ? { claim: pausedNow() ? coolingClaimOptions : claimOptions, limit: batch } : {}),
      });
      completed = [];
      failed = [];
      return result;
    };
    const settle = async (claim: boolean, released: number[] = []) =>
      (await settleResult(claim, released)).next;
    /**
     * Stores what finished and hands back `release` (claimed, never started). When that fails, the queue
     * still shows them RUNNING under this agent: the next claim hands them back first (`claimUncertain`).
     */
    const settleReleasing = async (release: number[]) => {
      const ok = await storeCall(() => settle(false, release));
      if (!ok && release.length > 0) claimUncertain = true;
    };
    while (!stopping) {
      await readInbox();
      if (paused) {
        // Hand back what was claimed but not started, store what finished, then wait for `resume`.
        if (held.length > 0 || completed.length > 0 || failed.length > 0) {
          const release = held.map((waiting) => waiting.id);
          held = [];
          await settleReleasing(release);
        }
        await waitIdle(INBOX_POLL_MS);
        continue;
      }
      if (held.length === 0) {
        // A claim whose answer was lost (the connection dropped after the commit), or a hand-back that
        // failed, may have left tasks RUNNING under this agent that it never started. It holds nothing
        // now: record what it finished (those ran), then hand back everything else the queue says it holds
        // without counting an attempt, instead of leaving them for stale recovery.
        if (claimUncertain) {
          const recovered = await storeCall(() => settleResult(false, [], true));
          if (!recovered) {
            await waitIdle(Math.max(pollMs, STORE_RETRY_MS));
            continue;
          }
          claimUncertain = false;
          if (recovered.released > 0)
            log.warn('handed back tasks claimed by a call whose answer was lost', {
              released: recovered.released,
            });
        }
        const claimed = await storeCall(() =>
          completed.length > 0 || failed.length > 0
            ? settle(true)
            : store.claimMany(pausedNow() ? coolingClaimRequest : claimRequest, batch),
        );
        if (!claimed) claimUncertain = true;
        held = claimed ?? [];
        // Only after a claim that found nothing: idle work never goes ahead of real tasks.
        if (idleWork && claimed)
          held = idleWork.after(held, pausedNow() ? coolingClaimRequest : claimRequest);
        if (held.length === 0) {
          await waitIdle(claimed ? pollMs : Math.max(pollMs, STORE_RETRY_MS));
          pollMs = Math.min(idle.max, pollMs * 2);
          continue;
        }
        pollMs = idle.min;
      }
      const task = held.shift()!;
      const started = performance.now();
      const outcome = await runOne(task);
      const fast = performance.now() - started < FAST_TASK_MS;
      batch = fast ? Math.min(maxBatch, batch * 2) : 1;
      if (completed.length === 0 && failed.length === 0) unsettledSince = Date.now();
      if (outcome.kind === 'done') {
        completed.push({ taskId: task.id, result: outcome.result });
        options.onTaskFinished?.(task, 'DONE');
      } else if (outcome.kind === 'failed') {
        failed.push({ taskId: task.id, error: outcome.error, retry: outcome.retry });
        options.onTaskFinished?.(
          task,
          outcome.retry && task.attempts < task.maxAttempts ? 'RETRY' : 'FAILED',
        );
      } else if (outcome.kind === 'parked') {
        options.onTaskFinished?.(task, 'WAITING_HUMAN');
      } else {
        options.onTaskFinished?.(task, outcome.kind === 'skipped' ? 'SKIPPED' : 'CANCELLED');
      }
      if (!fast && held.length > 0) {
        const release = held.map((waiting) => waiting.id);
        held = [];
        await settleReleasing(release);
      } else if (held.length > 0 && Date.now() - unsettledSince > SETTLE_AFTER_MS) {
        // Results never wait long for a batch to end.
        await storeCall(() => settle(false));
      }
    }
    clearInterval(beat);
    // The batched allowed-access audit rows of the last tasks.
    if (fsGuard && 'flush' in fsGuard && typeof fsGuard.flush === 'function') fsGuard.flush();
    // Stopping: store what finished, hand back what was claimed but never started.
    const release = held.map((waiting) => waiting.id);
    held = [];
    if (!(await storeCall(() => settle(false, release)))) {
      log.error('could not store the last results before stopping; their tasks will be recovered', {
        completed: completed.map((item) => item.taskId),
        failed: failed.map((item) => item.taskId),
        released: release,
      });
    }
  };

  const done = loop();
  return {
    get currentTaskId() {
      return current?.task.id ?? null;
    },
    done,
    async stop(graceMs = config.workers.shutdown_grace_secs * 1000) {
      stopping = true;
      idleWait?.abort();
      const timer = sleep(graceMs, undefined, { ref: false }).then(() => {
        if (current) cancelRunning(current, new Error('worker stopping'));
      });
      await Promise.race([done, timer]);
      await done;
    },
  };
}
