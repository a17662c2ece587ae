import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '@biged/core';
import { HwMonitorError } from './errors';
import type { SwapCause, ThermalStatus, TierName } from './thermal-policy';

// NOTE: packages/hw-monitor/README.md ("hw_state.json") documents this shape field by field; keep them in sync.

/** One GPU in hw_state.json. */
export interface HwStateGpu {
  index: number;
  name: string;
  temp_c: number | null;
  vram_used_mb: number | null;
  vram_total_mb: number | null;
  util_percent: number | null;
  power_w: number | null;
  power_limit_w: number | null;
  sm_clock_mhz: number | null;
  /** Active clock throttle reasons (`sw_thermal_slowdown`, `sw_power_cap`, ...). */
  throttle_reasons: string[];
}

/** One model Ollama has loaded (`/api/ps`). */
export interface HwStateModel {
  name: string;
  /** Whole model size, MiB. */
  size_mb: number | null;
  /** Part of it in VRAM, MiB (0 = on the CPU). */
  vram_mb: number | null;
  /** When Ollama unloads it unless kept alive (ISO 8601, as Ollama sent it). */
  expires_at: string | null;
}

/**
 * hw_state.json: what the hardware monitor writes every `[thermal] poll_interval_secs` (atomically),
 * for the supervisor, the workers (which model to ask for, whether to claim GPU-heavy work), the
 * dashboard and the launcher. Field names are snake_case, as in the original fleet.
 */
export interface HwState {
  /** Shape version; bumped on incompatible changes. */
  version: 1;
  status: ThermalStatus;
  /** The model tier in effect (`[models.tiers]`). */
  tier: TierName;
  /** Its model: the local model workers should call now. */
  model: string;
  /** False: call `model` with Ollama option `num_gpu: 0` (CPU tier, eco mode, training). */
  use_gpu: boolean;
  /** False: do not claim GPU-heavy skills (after a burst over `gpu_max_burst_c`, or while training). */
  gpu_heavy_allowed: boolean;
  /** Training holds the GPU: GPU models are being evicted. */
  evict_gpu_models: boolean;
  /** The training lock is held. */
  training: boolean;
  /** `[fleet] eco_mode`. */
  eco_mode: boolean;
  /** Why the status is what it is. */
  reasons: string[];
  /** A tier change waiting for running tasks or the swap cooldown. */
  pending_swap: { from: TierName; to: TierName; cause: SwapCause; reason: string; not_before: string } | null;
  /** The last tier change this monitor made. */
  last_swap: { from: TierName; to: TierName; cause: SwapCause; reason: string; at: string } | null;
  /** Summary over all GPUs (hottest temperature, summed VRAM and power) plus CPU and RAM. */
  thermal: {
    gpu_temp_c: number | null;
    cpu_temp_c: number | null;
    vram_used_mb: number | null;
    vram_total_mb: number | null;
    power_w: number | null;
    gpu_util_percent: number | null;
    cpu_load_percent: number | null;
    ram_used_mb: number | null;
    ram_total_mb: number | null;
    /** Union of the GPUs' active throttle reasons. */
    gpu_throttle: string[];
  };
  /** Whether nvidia-smi gave readings, and why not. */
  gpu: { available: boolean; reason: string | null };
  gpus: HwStateGpu[];
  models_loaded: HwStateModel[];
  /** The conductor model (`[models] conductor_model`), checked about every minute. */
  conductor: { model: string; loaded: boolean | null; checked_at: string | null; error: string | null };
  /** Ollama (`[models] ollama_host`) as seen by the last `/api/ps`, and the last upkeep failure. */
  ollama: {
    host: string;
    reachable: boolean;
    error: string | null;
    last_keepalive_at: string | null;
    upkeep_error: string | null;
  };
  /** The monitor's process. */
  pid: number;
  /** How often the file is rewritten; a file much older than this means the monitor is not running. */
  poll_interval_secs: number;
  updated_at: string;
}

/**
 * Writes hw_state.json atomically: the JSON goes to a temp file beside it, which is then renamed over
 * the target, so a concurrent reader sees the old file or the new one, never half of one. Creates the
 * folder if needed. Throws `HwMonitorError` (`HW_STATE_WRITE_FAILED`) when it cannot write; the temp
 * file is removed then.
 */
export async function writeHwState(file: string, state: HwState): Promise<void> {
  try {
    await writeFileAtomic(file, `${JSON.stringify(state, null, 2)}\n`);
  } catch (error) {
    throw new HwMonitorError({
      code: 'HW_STATE_WRITE_FAILED',
      message: `could not write ${file}: ${(error as Error).message}`,
      file,
      cause: error,
      hint: 'check that the fleet home is writable and the disk is not full',
    });
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads hw_state.json. Returns `undefined` when the file is missing, unreadable, not JSON, or not the
 * shape above (no `status`, `tier`, `model`, `updated_at` or `thermal`); never throws. Callers should
 * also look at `updated_at`: a file much older than `poll_interval_secs` is from a monitor that stopped.
 */
export function readHwState(file: string): HwState | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
  if (
    !isObject(parsed) ||
    typeof parsed.status !== 'string' ||
    typeof parsed.tier !== 'string' ||
    typeof parsed.model !== 'string' ||
    typeof parsed.updated_at !== 'string' ||
    !isObject(parsed.thermal) ||
    !Array.isArray(parsed.models_loaded)
  ) {
    return undefined;
  }
  return parsed as unknown as HwState;
}
