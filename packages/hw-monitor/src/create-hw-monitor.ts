import type { FleetConfig, FleetPaths } from '@biged/core';
import { normalizeModelName } from './admit-gpu-task';
import { type HwState, type HwStateGpu, type HwStateModel, writeHwState } from './hw-state';
import { createOllamaAdmin, type OllamaAdmin, type OllamaLoadedModel } from './ollama-admin';
import { type GpuRead, type GpuUnavailableCode, readGpus as readGpusDefault } from './read-gpus';
import { readSystem as readSystemDefault, type SystemReading } from './read-system';
import {
  createThermalPolicy,
  type PendingSwap,
  type ThermalDecision,
  type ThermalPolicy,
  type ThermalPolicyConfig,
  type ThermalStatus,
  type TierSwap,
  tierModels as tierModelsOf,
} from './thermal-policy';

/** The config the monitor reads (a whole `FleetConfig` fits). */
export interface HwMonitorConfig extends ThermalPolicyConfig {
  models: Pick<
    FleetConfig['models'],
    'tiers' | 'local' | 'ollama_host' | 'conductor_model' | 'keep_alive_mins'
  >;
}

/** An Ollama upkeep action. */
export type UpkeepAction = 'keepalive' | 'load' | 'unload';

/** The monitor's events (`noun:verb`). */
export interface HwMonitorEventMap {
  /** The tier changed; the monitor loads the new model and unloads the old one. */
  'tier:changed': TierSwap;
  /** A tier change was decided and waits (grace period, swap cooldown). */
  'tier:pending': PendingSwap;
  /** A pending tier change was dropped because its cause cleared. */
  'tier:cancelled': PendingSwap;
  /** `status` changed (`from` is undefined on the first poll). */
  'status:changed': { from: ThermalStatus | undefined; to: ThermalStatus; reasons: string[] };
  /** nvidia-smi stopped giving readings (or gave none on the first poll). */
  'gpu:unavailable': { code: GpuUnavailableCode; reason: string };
  /** nvidia-smi gives readings again (or on the first poll). */
  'gpu:available': { count: number; names: string[] };
  /** `/api/ps` failed (or failed on the first poll). */
  'ollama:unreachable': { host: string; error: string };
  /** `/api/ps` answers again (or on the first poll). */
  'ollama:reachable': { host: string };
  /** An upkeep call succeeded. */
  'upkeep:done': { action: UpkeepAction; model: string };
  /** An upkeep call failed; reported in hw_state.json as `ollama.upkeep_error` too. */
  'upkeep:failed': { action: UpkeepAction; model: string; error: unknown };
  /** A poll of the `start()` loop failed (e.g. hw_state.json could not be written); the loop goes on. */
  'poll:failed': { error: unknown };
}

/** Hears every monitor event. A listener that throws is ignored. */
export type HwMonitorEventListener = <K extends keyof HwMonitorEventMap>(
  name: K,
  payload: HwMonitorEventMap[K],
) => void;

/** Options for `createHwMonitor`. */
export interface CreateHwMonitorOptions {
  /** The fleet config: `[thermal]`, `[thermal.vram]`, `[models]`, `[fleet] eco_mode`. */
  config: HwMonitorConfig;
  /** Where hw_state.json goes (`fleetPaths(home).hwState`). */
  paths: Pick<FleetPaths, 'hwState'>;
  /** GPU readings. Default: `readGpus()` (nvidia-smi, 4 s timeout). */
  readGpus?: () => Promise<GpuRead>;
  /**
   * CPU/RAM readings. Default: `readSystem()`, with the CPU temperature read at most every
   * `cpuTemperatureIntervalMs` (20 times that after a read found no sensor; systeminformation spends
   * ~20-40 ms of CPU on it on Linux) and not at all when
   * `[thermal] cpu_temp_enabled` is false.
   */
  readSystem?: () => Promise<SystemReading>;
  /** Ollama upkeep: `host` defaults to `[models] ollama_host`. `false`: no Ollama calls at all. */
  ollama?: { host?: string; fetch?: typeof fetch; timeoutMs?: number; loadTimeoutMs?: number } | false;
  /** Clock for the policy and `updated_at`, epoch ms. Default `Date.now`. */
  now?: () => number;
  /** Hears the events in `HwMonitorEventMap`. */
  onEvent?: HwMonitorEventListener;
  /** Whether the training lock is held (e.g. the queue's `training` lock). Default: never. */
  isTraining?: () => boolean | Promise<boolean>;
  /** GPU tasks running now, when known (0 lets a swap skip the grace period). Default: unknown. */
  runningGpuTasks?: () => number | undefined | Promise<number | undefined>;
  /** How often the current tier model is kept alive, ms. Default 240000 (the manual's ~240 s). */
  keepaliveIntervalMs?: number;
  /** How often the conductor model is checked (and loaded when missing), ms. Default 60000. */
  conductorCheckIntervalMs?: number;
  /** How often an unloaded-but-still-listed model is asked to unload again, ms. Default 60000. */
  unloadRetryIntervalMs?: number;
  /**
   * How often the default `readSystem` reads the CPU temperature, ms. Default 30000. When the last read
   * found no sensor, the next one waits 20 times as long (10 min by default).
   */
  cpuTemperatureIntervalMs?: number;
}

/** The running monitor. */
export interface HwMonitor {
  /** Polls now and then every `[thermal] poll_interval_secs` until `stop()`. Calling it again does nothing. */
  start(): void;
  /** Stops the loop and waits for the poll and the Ollama upkeep in flight. */
  stop(): Promise<void>;
  /**
   * One poll: read GPUs, system and `/api/ps`, evaluate the policy, write hw_state.json, and start the
   * Ollama upkeep that is due (in the background: see `upkeepIdle`). Polls never overlap. Rejects only
   * when hw_state.json cannot be written (`HwMonitorError`, `HW_STATE_WRITE_FAILED`).
   */
  pollOnce(): Promise<HwState>;
  /** The last state written, or undefined before the first poll. */
  state(): HwState | undefined;
  /** Resolves when the Ollama upkeep started so far has finished (succeeded or failed). */
  upkeepIdle(): Promise<void>;
  /** The policy the monitor evaluates (for `admitGpuTask` with the same thresholds). */
  policy: ThermalPolicy;
}

const iso = (ms: number) => new Date(ms).toISOString();
const message = (error: unknown) => (error instanceof Error ? error.message : String(error));
const sumOrNull = (values: (number | null)[]) => {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : Math.round(known.reduce((total, value) => total + value, 0) * 100) / 100;
};
const maxOrNull = (values: (number | null)[]) => {
  const known = values.filter((value): value is number => value !== null);
  return known.length === 0 ? null : Math.max(...known);
};

/**
 * Creates the hardware monitor (the manual's hw_supervisor): every `[thermal] poll_interval_secs` it reads
 * the GPUs (nvidia-smi), CPU/RAM (systeminformation) and Ollama's loaded models, applies the thermal/VRAM
 * policy, and writes hw_state.json atomically. It keeps the current tier model warm (every ~240 s), checks
 * the conductor model (every ~60 s), unloads other tiers' models, and evicts GPU models while training.
 * No GPU, no nvidia-smi or no Ollama are states it reports, never errors it throws.
 */
export function createHwMonitor(options: CreateHwMonitorOptions): HwMonitor {
  const { config, paths } = options;
  const clock = options.now ?? Date.now;
  const emit: HwMonitorEventListener = (name, payload) => {
    try {
      options.onEvent?.(name, payload);
    } catch {
      // a listener's failure must not stop the monitor
    }
  };
  const pollIntervalMs = config.thermal.poll_interval_secs * 1000;
  const keepaliveIntervalMs = options.keepaliveIntervalMs ?? 240_000;
  const conductorIntervalMs = options.conductorCheckIntervalMs ?? 60_000;
  const unloadRetryMs = options.unloadRetryIntervalMs ?? 60_000;
  const keepAliveValue = `${config.models.keep_alive_mins > 0 ? config.models.keep_alive_mins : 5}m`;
  const policy = createThermalPolicy({ config });
  const host =
    options.ollama === false
      ? config.models.ollama_host
      : (options.ollama?.host ?? config.models.ollama_host);
  const admin: OllamaAdmin | undefined =
    options.ollama === false
      ? undefined
      : createOllamaAdmin({
          host,
          ...(options.ollama?.fetch ? { fetch: options.ollama.fetch } : {}),
          ...(options.ollama?.timeoutMs !== undefined ? { timeoutMs: options.ollama.timeoutMs } : {}),
          ...(options.ollama?.loadTimeoutMs !== undefined
            ? { loadTimeoutMs: options.ollama.loadTimeoutMs }
            : {}),
        });

  const readGpus = options.readGpus ?? (() => readGpusDefault());
  const cpuTemperatureIntervalMs = options.cpuTemperatureIntervalMs ?? 30_000;
  let cpuTemperature: { at: number; value: number | null } | undefined;
  const readSystem =
    options.readSystem ??
    (async () => {
      const at = clock();
      // A machine without a sensor (VMs, containers, WSL) will not grow one: ask 20x less often, since each
      // failed attempt costs systeminformation several child processes (~25 ms of CPU on Linux).
      const interval =
        cpuTemperature?.value === null ? cpuTemperatureIntervalMs * 20 : cpuTemperatureIntervalMs;
      const due =
        config.thermal.cpu_temp_enabled &&
        (cpuTemperature === undefined || at - cpuTemperature.at >= interval);
      const reading = await readSystemDefault({ cpuTemperature: due });
      if (due) cpuTemperature = { at, value: reading.cpuTempC };
      return {
        ...reading,
        cpuTempC: config.thermal.cpu_temp_enabled ? (cpuTemperature?.value ?? null) : null,
      };
    });

  // What the monitor remembers between polls.
  let current: HwState | undefined;
  let lastDecision: ThermalDecision | undefined;
  let lastGpuAvailable: boolean | undefined;
  let lastReachable: boolean | undefined;
  let lastKeepalive: { at: number; model: string } | undefined;
  let lastKeepaliveOkAt: number | undefined;
  let lastConductorCheckAt: number | undefined;
  let lastSwap: TierSwap | undefined;
  let conductor: HwState['conductor'] = {
    model: config.models.conductor_model,
    loaded: null,
    checked_at: null,
    error: null,
  };
  let upkeepError: string | null = null;
  const unloadAttempts = new Map<string, number>();

  // Upkeep runs one call at a time in the background, so a slow model load never delays the state file.
  let upkeepChain: Promise<void> = Promise.resolve();
  const queued = new Set<string>();
  const enqueue = (action: UpkeepAction, model: string, run: () => Promise<void>, after?: () => void) => {
    const key = `${action}:${normalizeModelName(model)}`;
    if (queued.has(key)) return;
    queued.add(key);
    upkeepChain = upkeepChain.then(async () => {
      try {
        await run();
        after?.();
        if (upkeepError?.startsWith(`${action} ${model}:`)) upkeepError = null;
        emit('upkeep:done', { action, model });
      } catch (error) {
        upkeepError = `${action} ${model}: ${message(error)}`;
        if (action === 'load') conductor = { ...conductor, error: message(error) };
        emit('upkeep:failed', { action, model, error });
      } finally {
        queued.delete(key);
      }
    });
  };

  function planUpkeep(
    decision: ThermalDecision,
    models: OllamaLoadedModel[],
    gpuAvailable: boolean,
    now: number,
  ) {
    if (!admin) return;
    const loadedNames = new Set(models.map((model) => normalizeModelName(model.name)));
    const tierModel = decision.model;
    const conductorModel = config.models.conductor_model;
    // Only pick a placement when there is a GPU to keep the model off; on a CPU-only box Ollama decides.
    const cpuOnly = gpuAvailable && !decision.useGpu;
    const tierModels = new Set(Object.values(tierModelsOf(config.models)).map(normalizeModelName));
    const keep = new Set([normalizeModelName(tierModel), normalizeModelName(conductorModel)]);

    // Unload first, so the VRAM is free before a new tier model loads.
    let evictedTierModel = false;
    for (const model of models) {
      const name = normalizeModelName(model.name);
      const evict = decision.evictGpuModels && (model.vramMb === null || model.vramMb > 0);
      const otherTier = tierModels.has(name) && !keep.has(name);
      if (!evict && !otherTier) continue;
      const lastTry = unloadAttempts.get(name);
      if (!decision.swap && lastTry !== undefined && now - lastTry < unloadRetryMs) continue;
      unloadAttempts.set(name, now);
      if (name === normalizeModelName(tierModel)) evictedTierModel = true;
      enqueue('unload', model.name, () => admin.unload(model.name));
    }

    const tierLoaded = loadedNames.has(normalizeModelName(tierModel));
    const keepaliveDue =
      decision.swap !== undefined ||
      evictedTierModel || // training: off the GPU, then back on the CPU
      lastKeepalive === undefined ||
      lastKeepalive.model !== tierModel ||
      now - lastKeepalive.at >= keepaliveIntervalMs ||
      (!tierLoaded && now - lastKeepalive.at >= conductorIntervalMs);
    if (keepaliveDue) {
      lastKeepalive = { at: now, model: tierModel };
      enqueue(
        'keepalive',
        tierModel,
        () => admin.keepAlive(tierModel, { keepAlive: keepAliveValue, cpuOnly }),
        () => {
          lastKeepaliveOkAt = clock();
        },
      );
    }

    if (lastConductorCheckAt === undefined || now - lastConductorCheckAt >= conductorIntervalMs) {
      lastConductorCheckAt = now;
      const loaded = loadedNames.has(normalizeModelName(conductorModel));
      conductor = {
        model: conductorModel,
        loaded,
        checked_at: iso(now),
        error: loaded ? null : conductor.error,
      };
      if (!loaded && normalizeModelName(conductorModel) !== normalizeModelName(tierModel)) {
        enqueue(
          'load',
          conductorModel,
          () =>
            admin.keepAlive(conductorModel, {
              keepAlive: keepAliveValue,
              cpuOnly: gpuAvailable && (decision.evictGpuModels || config.fleet.eco_mode),
            }),
          () => {
            conductor = { ...conductor, loaded: true, error: null };
          },
        );
      }
    } else {
      // Between checks, /api/ps still tells whether it is loaded.
      conductor = { ...conductor, loaded: loadedNames.has(normalizeModelName(conductorModel)) };
    }
  }

  const settle = async <T>(run: (() => T | Promise<T>) | undefined, fallback: T): Promise<T> => {
    if (!run) return fallback;
    try {
      return await run();
    } catch {
      return fallback;
    }
  };

  async function poll(): Promise<HwState> {
    const now = clock();
    const [gpuRead, system, ps, training, running] = await Promise.all([
      settle<GpuRead>(readGpus, {
        available: false,
        code: 'failed',
        reason: 'reading the GPUs failed',
        gpus: [],
        skipped: [],
      }),
      settle<SystemReading>(readSystem, {
        cpuLoadPercent: null,
        ramUsedMb: null,
        ramTotalMb: null,
        cpuTempC: null,
      }),
      admin
        ? admin.ps().then(
            (models) => ({ ok: true as const, models }),
            (error: unknown) => ({ ok: false as const, error: message(error) }),
          )
        : Promise.resolve({ ok: false as const, error: 'Ollama upkeep is disabled' }),
      settle(options.isTraining, false),
      settle(options.runningGpuTasks, undefined),
    ]);

    const gpus = gpuRead.gpus;
    const ratios = gpus
      .filter((gpu) => gpu.memoryUsedMb !== null && gpu.memoryTotalMb !== null && gpu.memoryTotalMb > 0)
      .map((gpu) => (gpu.memoryUsedMb as number) / (gpu.memoryTotalMb as number));
    const thermal: HwState['thermal'] = {
      gpu_temp_c: maxOrNull(gpus.map((gpu) => gpu.temperatureC)),
      cpu_temp_c: system.cpuTempC,
      vram_used_mb: sumOrNull(gpus.map((gpu) => gpu.memoryUsedMb)),
      vram_total_mb: sumOrNull(gpus.map((gpu) => gpu.memoryTotalMb)),
      power_w: sumOrNull(gpus.map((gpu) => gpu.powerDrawW)),
      gpu_util_percent: maxOrNull(gpus.map((gpu) => gpu.utilizationPercent)),
      cpu_load_percent: system.cpuLoadPercent,
      ram_used_mb: system.ramUsedMb,
      ram_total_mb: system.ramTotalMb,
      gpu_throttle: [...new Set(gpus.flatMap((gpu) => gpu.throttle?.reasons ?? []))].filter(
        (reason) => reason !== 'gpu_idle',
      ),
    };

    const decision = policy.evaluate(
      {
        gpuAvailable: gpuRead.available,
        gpuTempC: thermal.gpu_temp_c,
        vramUsedMb: thermal.vram_used_mb,
        vramTotalMb: thermal.vram_total_mb,
        vramRatio: ratios.length > 0 ? Math.max(...ratios) : null,
        cpuTempC: system.cpuTempC,
        training: training === true,
        runningGpuTasks: running,
      },
      now,
    );

    // Events for what changed.
    if (decision.swap) {
      lastSwap = decision.swap;
      emit('tier:changed', decision.swap);
    }
    if (decision.cancelledSwap) emit('tier:cancelled', decision.cancelledSwap);
    if (
      decision.pendingSwap &&
      (lastDecision?.pendingSwap?.to !== decision.pendingSwap.to ||
        lastDecision.pendingSwap.decidedAt !== decision.pendingSwap.decidedAt)
    ) {
      emit('tier:pending', decision.pendingSwap);
    }
    if (lastDecision?.status !== decision.status) {
      emit('status:changed', { from: lastDecision?.status, to: decision.status, reasons: decision.reasons });
    }
    if (lastGpuAvailable !== gpuRead.available) {
      if (gpuRead.available)
        emit('gpu:available', { count: gpus.length, names: gpus.map((gpu) => gpu.name) });
      else emit('gpu:unavailable', { code: gpuRead.code, reason: gpuRead.reason });
    }
    if (admin && lastReachable !== ps.ok) {
      if (ps.ok) emit('ollama:reachable', { host: admin.host });
      else emit('ollama:unreachable', { host: admin.host, error: ps.error });
    }
    lastDecision = decision;
    lastGpuAvailable = gpuRead.available;
    lastReachable = ps.ok;

    if (ps.ok) planUpkeep(decision, ps.models, gpuRead.available, now);
    else if (admin) conductor = { ...conductor, loaded: null };

    const state: HwState = {
      version: 1,
      status: decision.status,
      tier: decision.tier,
      model: decision.model,
      use_gpu: decision.useGpu,
      gpu_heavy_allowed: decision.gpuHeavyAllowed,
      evict_gpu_models: decision.evictGpuModels,
      training: training === true,
      eco_mode: config.fleet.eco_mode,
      reasons: decision.reasons,
      pending_swap: decision.pendingSwap
        ? {
            from: decision.pendingSwap.from,
            to: decision.pendingSwap.to,
            cause: decision.pendingSwap.cause,
            reason: decision.pendingSwap.reason,
            not_before: iso(decision.pendingSwap.notBefore),
          }
        : null,
      last_swap: lastSwap
        ? {
            from: lastSwap.from,
            to: lastSwap.to,
            cause: lastSwap.cause,
            reason: lastSwap.reason,
            at: iso(lastSwap.at),
          }
        : null,
      thermal,
      gpu: { available: gpuRead.available, reason: gpuRead.available ? null : gpuRead.reason },
      gpus: gpus.map(
        (gpu): HwStateGpu => ({
          index: gpu.index,
          name: gpu.name,
          temp_c: gpu.temperatureC,
          vram_used_mb: gpu.memoryUsedMb,
          vram_total_mb: gpu.memoryTotalMb,
          util_percent: gpu.utilizationPercent,
          power_w: gpu.powerDrawW,
          power_limit_w: gpu.powerLimitW,
          sm_clock_mhz: gpu.smClockMhz,
          throttle_reasons: gpu.throttle?.reasons ?? [],
        }),
      ),
      models_loaded: ps.ok
        ? ps.models.map(
            (model): HwStateModel => ({
              name: model.name,
              size_mb: model.sizeMb,
              vram_mb: model.vramMb,
              expires_at: model.expiresAt,
            }),
          )
        : [],
      conductor,
      ollama: {
        host,
        reachable: ps.ok,
        error: ps.ok ? null : ps.error,
        last_keepalive_at: lastKeepaliveOkAt === undefined ? null : iso(lastKeepaliveOkAt),
        upkeep_error: upkeepError,
      },
      pid: process.pid,
      poll_interval_secs: config.thermal.poll_interval_secs,
      updated_at: iso(now),
    };
    await writeHwState(paths.hwState, state);
    current = state;
    return state;
  }

  // Polls never overlap: each waits for the one before.
  let pollChain: Promise<unknown> = Promise.resolve();
  const pollOnce = (): Promise<HwState> => {
    const next = pollChain.then(poll, poll);
    pollChain = next.catch(() => {});
    return next;
  };

  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let loop: Promise<void> | undefined;
  const tick = async () => {
    const began = performance.now();
    try {
      await pollOnce();
    } catch (error) {
      emit('poll:failed', { error });
    }
    if (!running) return;
    timer = setTimeout(
      () => {
        loop = tick();
      },
      Math.max(0, pollIntervalMs - (performance.now() - began)),
    );
  };

  return {
    policy,
    start() {
      if (running) return;
      running = true;
      loop = tick();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await loop;
      await pollChain;
      await upkeepChain;
    },
    pollOnce,
    state: () => current,
    upkeepIdle: async () => {
      // Upkeep may queue more upkeep while it runs; wait until the chain stops growing.
      let seen: Promise<void> | undefined;
      while (seen !== upkeepChain) {
        seen = upkeepChain;
        await seen;
      }
    },
  };
}
