import { type HwState, readHwState } from '@biged/hw-monitor';
import { FleetError } from './errors/fleet-error';

// NOTE: docs/architecture.md ("Hardware monitor", how the fleet uses it) describes these rules; keep both in sync.

/** hw_state.json older than this many poll intervals is from a monitor that is not running: 3. */
export const HW_STATE_STALE_POLLS = 3;

/** Options for `createHwStateReader`. */
export interface CreateHwStateReaderOptions {
  /** hw_state.json (`fleetPaths(home).hwState`). */
  file: string;
  /**
   * `[thermal] poll_interval_secs` in ms: the file is read again at most this often, and a state whose
   * `updated_at` is older than `HW_STATE_STALE_POLLS` of these is ignored.
   */
  pollIntervalMs: number;
  /** Clock, epoch ms. Default `Date.now`. */
  now?: () => number;
}

/** The hardware monitor's latest state as a worker sees it. */
export interface HwStateReader {
  /**
   * The state from hw_state.json, or undefined when the file is missing, unreadable, wrongly shaped or
   * stale (the monitor is not running). Reads the file at most once per poll interval; between reads it
   * costs a clock read, so the worker loop may call it before every claim.
   */
  current(): HwState | undefined;
}

/** `updated_at` as epoch ms; NaN when it does not parse. */
const updatedAtOf = (state: HwState) => Date.parse(state.updated_at);

/** Whether `state` was written within `HW_STATE_STALE_POLLS` poll intervals of `now`. */
export function isHwStateFresh(state: HwState, now: number, pollIntervalMs: number): boolean {
  const updatedAt = updatedAtOf(state);
  return Number.isFinite(updatedAt) && now - updatedAt <= HW_STATE_STALE_POLLS * pollIntervalMs;
}

/**
 * Reads hw_state.json for a worker (or any other reader in the fleet), cached for one poll interval:
 * the monitor rewrites the file that often, so reading it more often learns nothing. Throws `FleetError`
 * (`FLEET_INVALID_OPTION`) when `pollIntervalMs` is not a positive number.
 */
export function createHwStateReader(options: CreateHwStateReaderOptions): HwStateReader {
  const { file, pollIntervalMs } = options;
  if (!(Number.isFinite(pollIntervalMs) && pollIntervalMs > 0)) {
    throw new FleetError({
      code: 'FLEET_INVALID_OPTION',
      message: `createHwStateReader: pollIntervalMs must be a positive number of ms, got ${pollIntervalMs}`,
    });
  }
  const clock = options.now ?? Date.now;
  const staleAfterMs = HW_STATE_STALE_POLLS * pollIntervalMs;
  let readAt = Number.NEGATIVE_INFINITY;
  let cached: HwState | undefined;
  // updated_at parsed once per read, not per call.
  let updatedAt = Number.NaN;
  return {
    current() {
      const now = clock();
      if (now - readAt >= pollIntervalMs || now < readAt) {
        readAt = now;
        cached = readHwState(file);
        updatedAt = cached ? updatedAtOf(cached) : Number.NaN;
      }
      return cached && now - updatedAt <= staleAfterMs ? cached : undefined;
    },
  };
}

/** Text without line breaks or runs of spaces, for one line of STATUS.md. */
const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/**
 * The `Hardware:` line of STATUS.md (without the label): the status, the tier and its model, the GPU
 * temperature or `CPU only`, VRAM, and whether Ollama answers (or its error); `monitor not running (...)`
 * when there is no state or it is stale.
 *
 * @example `ok, tier default (qwen3:8b), GPU 64 °C, VRAM 4210/10240 MiB, 212 W, Ollama reachable`
 */
export function describeHwState(
  state: HwState | undefined,
  { now, pollIntervalMs }: { now: number; pollIntervalMs: number },
): string {
  if (!state) return 'monitor not running (no readable hw_state.json)';
  if (!isHwStateFresh(state, now, pollIntervalMs)) {
    return `monitor not running (hw_state.json last written ${oneLine(state.updated_at)})`;
  }
  const { thermal } = state;
  const parts = [`${state.status}`, `tier ${state.tier} (${state.model})`];
  if (state.gpu.available) {
    parts.push(thermal.gpu_temp_c === null ? 'GPU temperature unknown' : `GPU ${thermal.gpu_temp_c} °C`);
    if (thermal.vram_used_mb !== null && thermal.vram_total_mb !== null) {
      parts.push(`VRAM ${thermal.vram_used_mb}/${thermal.vram_total_mb} MiB`);
    }
    if (thermal.power_w !== null) parts.push(`${thermal.power_w} W`);
  } else {
    parts.push('CPU only');
  }
  if (!state.gpu_heavy_allowed) parts.push('GPU-heavy skills paused');
  parts.push(
    state.ollama.reachable
      ? 'Ollama reachable'
      : `Ollama unreachable (${oneLine(state.ollama.error ?? 'no answer')})`,
  );
  return oneLine(parts.join(', '));
}

/**
 * Ollama's `num_gpu` for the worker's local calls (`createFleetRouter`'s `localNumGpu`), from the
 * hardware monitor's state: `0` (CPU only) while it runs a CPU tier (the `critical` tier, eco mode,
 * training, or no GPU: `use_gpu: false`), else `undefined` (Ollama places the model). A missing or stale
 * state gives `undefined`: without a monitor the fleet does not second-guess Ollama.
 */
export function localNumGpuFrom(reader: HwStateReader): () => number | undefined {
  return () => {
    const state = reader.current();
    return state && (state.use_gpu === false || state.tier === 'critical') ? 0 : undefined;
  };
}
