import type { FleetConfig } from '@biged/core';
import { admitGpuTask, type GpuTaskAdmission, type GpuTaskRequest } from './admit-gpu-task';
import { HwMonitorError } from './errors';

/** Model tiers from the largest to the CPU tier (`[models.tiers]`). */
export const TIER_ORDER = ['default', 'mid', 'low', 'critical'] as const;

/** One of `[models.tiers]`. `critical` is the CPU tier. */
export type TierName = (typeof TIER_ORDER)[number];

/**
 * The fleet's hardware status, as hw_state.json's `status`:
 * - `ok`: GPU below `cooldown_target_c`, at the default tier;
 * - `warm`: at or over `cooldown_target_c` but not over `gpu_max_sustained_c`;
 * - `hot`: GPU over `gpu_max_sustained_c`, VRAM at or over `high`, or the CPU over `cpu_max_sustained_c`;
 * - `cooldown`: not hot, but below the default tier, waiting on a swap, or GPU-heavy work held after a burst;
 * - `cpu_only`: no GPU reading (no NVIDIA GPU, or nvidia-smi failing);
 * - `eco`: `[fleet] eco_mode`: CPU tier only;
 * - `training`: the training lock is held; GPU models are evicted.
 */
export type ThermalStatus = 'ok' | 'warm' | 'hot' | 'cooldown' | 'cpu_only' | 'eco' | 'training';

/** Why a swap was decided. */
export type SwapCause = 'eco' | 'training' | 'vram_emergency' | 'no_gpu' | 'gpu_hot' | 'vram_high' | 'cooled';

/** The config sections the policy reads (a whole `FleetConfig` fits). */
export interface ThermalPolicyConfig {
  thermal: FleetConfig['thermal'];
  /** `[models.tiers]`, and `[models] local` for a default tier that names no model. */
  models: { tiers: FleetConfig['models']['tiers']; local?: string | undefined };
  fleet: { eco_mode: boolean };
}

/** The default tier's model when neither `[models.tiers] default` nor `[models] local` names one. */
const FALLBACK_DEFAULT_MODEL = 'qwen3:8b';

/**
 * The model of each tier: `[models.tiers]`, with `default` taken from `[models] local` unless
 * `[models.tiers] default` is set (and `qwen3:8b` when neither is). The thermal policy, hw_state.json's
 * `model` and the monitor's Ollama upkeep all use this, so the state's model is the one to ask for.
 */
export function tierModels(models: ThermalPolicyConfig['models']): Record<TierName, string> {
  return {
    ...models.tiers,
    default: models.tiers.default ?? models.local ?? FALLBACK_DEFAULT_MODEL,
  };
}

/** One reading the policy decides on. Missing numbers (`null`/omitted) never trigger anything. */
export interface ThermalReading {
  /** False when no GPU could be read (no NVIDIA GPU, nvidia-smi missing or failing). */
  gpuAvailable: boolean;
  /** Hottest GPU, °C. */
  gpuTempC?: number | null | undefined;
  /** VRAM in use over all GPUs, MiB. */
  vramUsedMb?: number | null | undefined;
  /** VRAM over all GPUs, MiB. */
  vramTotalMb?: number | null | undefined;
  /** The fullest GPU's used/total (0-1), when it differs from the sum. Default: used / total. */
  vramRatio?: number | null | undefined;
  /** CPU package temperature, °C. */
  cpuTempC?: number | null | undefined;
  /** The training lock is held (`[training]`): GPU models must make room. */
  training?: boolean | undefined;
  /** GPU tasks running now, when known. 0 lets a swap go before `grace_period_secs` ends. */
  runningGpuTasks?: number | undefined;
}

/** A tier change that happened at one evaluation: the caller loads `to`'s model and unloads `from`'s. */
export interface TierSwap {
  from: TierName;
  to: TierName;
  /** The model of `from` / `to` (`[models.tiers]`). */
  fromModel: string;
  toModel: string;
  cause: SwapCause;
  /** In words, with the numbers that caused it. */
  reason: string;
  /** When the swap was decided and when it happened (the clock given to `evaluate`, ms). */
  decidedAt: number;
  at: number;
  /** True when it skipped the grace period and the swap cooldown (training, emergency VRAM, eco). */
  immediate: boolean;
}

/** A swap decided but waiting for running tasks (`grace_period_secs`) or the swap cooldown. */
export interface PendingSwap {
  from: TierName;
  to: TierName;
  cause: SwapCause;
  reason: string;
  decidedAt: number;
  /** The latest it happens if its cause holds: grace end or swap-cooldown end, whichever is later (ms). */
  notBefore: number;
}

/** What `evaluate` decides. */
export interface ThermalDecision {
  /** The tier in effect after this evaluation. */
  tier: TierName;
  /**
   * Its model (`tierModels`: `[models.tiers]`, the default tier falling back to `[models] local`): what
   * workers ask the local provider for, at every tier.
   */
  model: string;
  status: ThermalStatus;
  /**
   * Workers may claim GPU-heavy skills. False from the moment the GPU goes over `gpu_max_burst_c` until it
   * has stayed below `cooldown_target_c` for `cooldown_window_secs` without a break, and while training.
   */
  gpuHeavyAllowed: boolean;
  /** The tier's model should run on the GPU. False for the CPU tier, eco mode, training and CPU-only. */
  useGpu: boolean;
  /** Training holds the GPU: unload every model that sits in VRAM. */
  evictGpuModels: boolean;
  /** The swap made at this evaluation, if any. */
  swap?: TierSwap;
  /** A swap waiting to happen, if any. */
  pendingSwap?: PendingSwap;
  /** A pending swap dropped at this evaluation because its cause cleared. */
  cancelledSwap?: PendingSwap;
  /** Why the status is what it is, one line per cause. */
  reasons: string[];
}

/** The policy's memory between evaluations (plain data; `evaluateThermalPolicy` never mutates it). */
export interface ThermalPolicyState {
  /** Undefined before the first evaluation. */
  tier: TierName | undefined;
  lastSwapAt: number | undefined;
  pending: PendingSwap | undefined;
  /** Since when the GPU has been below `cooldown_target_c` and VRAM below `restore` without a break. */
  climbCoolSince: number | undefined;
  /** Since when the GPU has been below `cooldown_target_c` without a break (for the burst hold). */
  heavyCoolSince: number | undefined;
  /** The GPU went over `gpu_max_burst_c` and has not cooled for a whole window since. */
  burstHold: boolean;
  /** The `now` of the last evaluation; the next one may not be earlier. */
  lastEvaluatedAt: number | undefined;
}

/** The state before the first evaluation. */
export const INITIAL_THERMAL_POLICY_STATE: ThermalPolicyState = {
  tier: undefined,
  lastSwapAt: undefined,
  pending: undefined,
  climbCoolSince: undefined,
  heavyCoolSince: undefined,
  burstHold: false,
  lastEvaluatedAt: undefined,
};

/** Options for `evaluateThermalPolicy`. */
export interface EvaluateThermalPolicyOptions {
  config: ThermalPolicyConfig;
  state: ThermalPolicyState;
  reading: ThermalReading;
  /** The time of the reading, ms (any monotonic clock; tests pass plain numbers). */
  now: number;
}

const CRITICAL = TIER_ORDER.length - 1;
const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10}%`;
const known = (value: number | null | undefined): value is number =>
  typeof value === 'number' && Number.isFinite(value);

interface Wish {
  to: TierName;
  cause: SwapCause;
  reason: string;
  immediate: boolean;
}

/**
 * The thermal and VRAM policy as a pure function: the same state, reading and time always give the same
 * decision and next state. `createThermalPolicy` keeps the state for you.
 *
 * - First evaluation: the CPU tier (`critical`) in eco mode, while training, with no GPU or with VRAM at
 *   `emergency`; else `default`.
 * - Step down one tier when the GPU is over `gpu_max_sustained_c` or VRAM is at or over `high`; to the CPU
 *   tier when no GPU can be read. Such a swap waits `grace_period_secs` for running tasks (sooner when the
 *   reading says none run), never comes within `cooldown_after_swap_secs` of the last one, and is dropped
 *   only once its cause is clearly gone (GPU below `cooldown_target_c`, VRAM below `restore`, GPU back).
 * - Straight to the CPU tier at once (no grace, no cooldown) when VRAM reaches `emergency` or training
 *   starts; eco mode is the CPU tier always.
 * - Step up one tier only after the GPU has stayed below `cooldown_target_c` and VRAM below `restore` for
 *   `cooldown_window_secs` without a break (counted again from each swap), after the grace period and the
 *   swap cooldown; a pending step up is dropped the moment either condition breaks.
 * - Throws `HwMonitorError` (`HW_INVALID_INPUT`) when `now` is not finite or earlier than the last `now`.
 * - A reading without a temperature (or without VRAM numbers) neither triggers nor blocks the thermal (or
 *   VRAM) rules.
 */
export function evaluateThermalPolicy({ config, state, reading, now }: EvaluateThermalPolicyOptions): {
  state: ThermalPolicyState;
  decision: ThermalDecision;
} {
  if (!Number.isFinite(now)) {
    throw new HwMonitorError({
      code: 'HW_INVALID_INPUT',
      message: `thermal policy: now must be a finite time in ms, got ${now}`,
    });
  }
  if (state.lastEvaluatedAt !== undefined && now < state.lastEvaluatedAt) {
    throw new HwMonitorError({
      code: 'HW_INVALID_INPUT',
      message: `thermal policy: readings must come in time order (now ${now} is before the last one, ${state.lastEvaluatedAt})`,
    });
  }
  const thermal = config.thermal;
  const windowMs = thermal.cooldown_window_secs * 1000;
  const graceMs = thermal.grace_period_secs * 1000;
  const swapCooldownMs = thermal.cooldown_after_swap_secs * 1000;
  const eco = config.fleet.eco_mode;
  const modelOf = tierModels(config.models);
  const training = reading.training === true;
  const gpu = reading.gpuAvailable;
  const temp = gpu && known(reading.gpuTempC) ? reading.gpuTempC : null;
  const ratio = !gpu
    ? null
    : known(reading.vramRatio)
      ? reading.vramRatio
      : known(reading.vramUsedMb) && known(reading.vramTotalMb) && reading.vramTotalMb > 0
        ? reading.vramUsedMb / reading.vramTotalMb
        : null;
  const cpuHot =
    thermal.cpu_temp_enabled && known(reading.cpuTempC) && reading.cpuTempC > thermal.cpu_max_sustained_c;

  const next: ThermalPolicyState = { ...state, lastEvaluatedAt: now };

  // 1. The "continuously cool" clocks and the burst hold.
  const gpuCool = temp === null || temp < thermal.cooldown_target_c;
  next.heavyCoolSince = gpu && gpuCool ? (state.heavyCoolSince ?? now) : undefined;
  if (temp !== null && temp > thermal.gpu_max_burst_c) next.burstHold = true;
  if (next.burstHold && next.heavyCoolSince !== undefined && now - next.heavyCoolSince >= windowMs) {
    next.burstHold = false;
  }
  const vramRestored = ratio === null || ratio < thermal.vram.restore;
  next.climbCoolSince =
    gpu && gpuCool && vramRestored && !training ? (state.climbCoolSince ?? now) : undefined;

  // 2. The first evaluation picks the starting tier outright (nothing runs on a model yet).
  const emergency = ratio !== null && ratio >= thermal.vram.emergency;
  if (next.tier === undefined) next.tier = eco || training || !gpu || emergency ? 'critical' : 'default';
  const index = TIER_ORDER.indexOf(next.tier);
  const down = TIER_ORDER[Math.min(index + 1, CRITICAL)] as TierName;
  const up = TIER_ORDER[Math.max(index - 1, 0)] as TierName;

  // 3. What the readings ask for, most urgent first.
  let wish: Wish | undefined;
  if (index < CRITICAL) {
    if (eco) wish = { to: 'critical', cause: 'eco', reason: 'eco mode: CPU tier only', immediate: true };
    else if (training) {
      wish = { to: 'critical', cause: 'training', reason: 'training holds the GPU', immediate: true };
    } else if (emergency) {
      wish = {
        to: 'critical',
        cause: 'vram_emergency',
        reason: `VRAM at ${percent(ratio ?? 0)} reached the emergency threshold (${percent(thermal.vram.emergency)})`,
        immediate: true,
      };
    } else if (!gpu) {
      wish = { to: 'critical', cause: 'no_gpu', reason: 'no GPU reading: CPU tier', immediate: false };
    } else if (temp !== null && temp > thermal.gpu_max_sustained_c) {
      wish = {
        to: down,
        cause: 'gpu_hot',
        reason: `GPU at ${temp} °C is over gpu_max_sustained_c (${thermal.gpu_max_sustained_c} °C)`,
        immediate: false,
      };
    } else if (ratio !== null && ratio >= thermal.vram.high) {
      wish = {
        to: down,
        cause: 'vram_high',
        reason: `VRAM at ${percent(ratio)} is at or over the high threshold (${percent(thermal.vram.high)})`,
        immediate: false,
      };
    }
  }
  if (
    wish === undefined &&
    index > 0 &&
    !eco &&
    next.climbCoolSince !== undefined &&
    now - next.climbCoolSince >= windowMs
  ) {
    wish = {
      to: up,
      cause: 'cooled',
      reason: `GPU below cooldown_target_c (${thermal.cooldown_target_c} °C) and VRAM below restore (${percent(thermal.vram.restore)}) for ${thermal.cooldown_window_secs} s`,
      immediate: false,
    };
  }

  // 4. Pending swaps: keep, replace, drop or apply.
  let cancelled: PendingSwap | undefined;
  let pending = next.pending;
  if (pending && pending.from !== next.tier) pending = undefined; // stale (cannot happen through this function)
  if (wish === undefined && pending !== undefined) {
    if (causeCleared(pending, { gpu, temp, ratio, thermal, training })) {
      cancelled = pending;
      pending = undefined;
    }
  } else if (wish !== undefined && pending !== undefined && pending.to !== wish.to) {
    const sameDirection = TIER_ORDER.indexOf(wish.to) > index === TIER_ORDER.indexOf(pending.to) > index;
    if (!sameDirection) cancelled = pending;
    pending = {
      from: next.tier,
      to: wish.to,
      cause: wish.cause,
      reason: wish.reason,
      decidedAt: sameDirection ? pending.decidedAt : now,
      notBefore: 0,
    };
  } else if (wish !== undefined && pending === undefined) {
    pending = {
      from: next.tier,
      to: wish.to,
      cause: wish.cause,
      reason: wish.reason,
      decidedAt: now,
      notBefore: 0,
    };
  }

  let swap: TierSwap | undefined;
  if (pending !== undefined) {
    const cooldownEnds =
      next.lastSwapAt === undefined ? Number.NEGATIVE_INFINITY : next.lastSwapAt + swapCooldownMs;
    pending = { ...pending, notBefore: Math.max(pending.decidedAt + graceMs, cooldownEnds) };
    const immediate = wish?.immediate === true && wish.to === pending.to;
    const graceOver = now >= pending.decidedAt + graceMs || reading.runningGpuTasks === 0;
    if (immediate || (now >= cooldownEnds && graceOver)) {
      swap = {
        from: pending.from,
        to: pending.to,
        fromModel: modelOf[pending.from],
        toModel: modelOf[pending.to],
        cause: pending.cause,
        reason: pending.reason,
        decidedAt: pending.decidedAt,
        at: now,
        immediate,
      };
      next.tier = pending.to;
      next.lastSwapAt = now;
      // The climb window counts again from the swap (from now, if this reading is already cool).
      next.climbCoolSince = next.climbCoolSince === undefined ? undefined : now;
      pending = undefined;
    }
  }
  next.pending = pending;

  // 5. Status.
  const tier = next.tier;
  const reasons: string[] = [];
  let status: ThermalStatus;
  if (training) {
    status = 'training';
    reasons.push('training holds the GPU: GPU models evicted, CPU tier');
  } else if (eco) {
    status = 'eco';
    reasons.push('eco mode: CPU tier, no VRAM');
  } else if (!gpu) {
    status = 'cpu_only';
    reasons.push('no GPU reading: CPU tier');
  } else {
    if (temp !== null && temp > thermal.gpu_max_sustained_c) {
      reasons.push(`GPU at ${temp} °C is over gpu_max_sustained_c (${thermal.gpu_max_sustained_c} °C)`);
    }
    if (ratio !== null && ratio >= thermal.vram.high) {
      reasons.push(
        `VRAM at ${percent(ratio)} is at or over the high threshold (${percent(thermal.vram.high)})`,
      );
    }
    if (reasons.length > 0) status = 'hot';
    else if (next.burstHold || tier !== 'default' || pending !== undefined) status = 'cooldown';
    else if (temp !== null && temp >= thermal.cooldown_target_c) status = 'warm';
    else status = 'ok';
    if (status === 'cooldown') {
      if (next.burstHold)
        reasons.push(`GPU went over gpu_max_burst_c (${thermal.gpu_max_burst_c} °C): cooling down`);
      if (tier !== 'default') reasons.push(`running the ${tier} tier until the GPU has cooled`);
      if (pending !== undefined) reasons.push(`swap to ${pending.to} pending: ${pending.reason}`);
    }
  }
  if (cpuHot) {
    reasons.push(
      `CPU at ${reading.cpuTempC} °C is over cpu_max_sustained_c (${thermal.cpu_max_sustained_c} °C)`,
    );
    if (status === 'ok' || status === 'warm' || status === 'cooldown') status = 'hot';
  }

  const decision: ThermalDecision = {
    tier,
    model: modelOf[tier],
    status,
    gpuHeavyAllowed: !training && !next.burstHold,
    useGpu: gpu && !eco && !training && tier !== 'critical',
    evictGpuModels: training,
    reasons,
    ...(swap ? { swap } : {}),
    ...(pending ? { pendingSwap: pending } : {}),
    ...(cancelled ? { cancelledSwap: cancelled } : {}),
  };
  return { state: next, decision };
}

/** A pending step down stands until its cause is clearly gone (hysteresis); a pending step up does not. */
function causeCleared(
  pending: PendingSwap,
  context: {
    gpu: boolean;
    temp: number | null;
    ratio: number | null;
    thermal: ThermalPolicyConfig['thermal'];
    training: boolean;
  },
): boolean {
  const { gpu, temp, ratio, thermal, training } = context;
  switch (pending.cause) {
    case 'cooled':
      return true;
    case 'no_gpu':
      return gpu;
    case 'gpu_hot':
      return temp !== null && temp < thermal.cooldown_target_c;
    case 'vram_high':
      return ratio !== null && ratio < thermal.vram.restore;
    case 'training':
      return !training;
    default:
      return false;
  }
}

/** Options for `createThermalPolicy`. */
export interface CreateThermalPolicyOptions {
  /** The fleet config (`[thermal]`, `[thermal.vram]`, `[models.tiers]`, `[fleet] eco_mode`). */
  config: ThermalPolicyConfig;
}

/** The thermal policy with its state kept between readings. */
export interface ThermalPolicy {
  /** Decides on one reading taken at `now` (ms). Readings must come in time order. */
  evaluate(reading: ThermalReading, now: number): ThermalDecision;
  /** `admitGpuTask` with this config's `[thermal.vram]` thresholds. */
  admitGpuTask(request: GpuTaskRequest): GpuTaskAdmission;
  /** The state now (a copy). */
  state(): ThermalPolicyState;
}

/**
 * Creates the thermal/VRAM policy (see `evaluateThermalPolicy` for the rules). Pure apart from the state
 * it keeps: no clock, no I/O; pass the time of each reading.
 */
export function createThermalPolicy({ config }: CreateThermalPolicyOptions): ThermalPolicy {
  let state = INITIAL_THERMAL_POLICY_STATE;
  return {
    evaluate(reading, now) {
      const result = evaluateThermalPolicy({ config, state, reading, now });
      state = result.state;
      return result.decision;
    },
    admitGpuTask: (request) => admitGpuTask({ ...request, vram: config.thermal.vram }),
    state: () => ({ ...state }),
  };
}
