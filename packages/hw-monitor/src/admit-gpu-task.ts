import type { FleetConfig } from '@biged/core';

/** `[thermal.vram]`: fractions of total VRAM. */
export type VramThresholds = FleetConfig['thermal']['vram'];

/** What `admitGpuTask` decides on. */
export interface GpuTaskRequest {
  /** The Ollama model the task will call, e.g. `qwen3:8b` (`qwen3` means `qwen3:latest`). */
  model: string;
  /** Models Ollama has loaded now (`models_loaded[].name` in hw_state.json, from `/api/ps`). */
  loadedModels: readonly string[];
  /** VRAM in use, MiB (`thermal.vram_used_mb`); null/undefined when unknown. */
  vramUsedMb: number | null | undefined;
  /** VRAM on the GPU(s), MiB (`thermal.vram_total_mb`); null/undefined when there is no GPU reading. */
  vramTotalMb: number | null | undefined;
  /** Roughly what loading the model takes, MiB (e.g. its `size_vram` last time). Unknown when omitted. */
  modelSizeMb?: number | undefined;
}

/** `admitGpuTask`'s answer. */
export interface GpuTaskAdmission {
  /** Claim the task now (true) or leave it for later (false). */
  admit: boolean;
  /** Why, in words an operator can act on. */
  reason: string;
  /** The model is loaded already, so the task costs no new VRAM. Prefer such tasks. */
  loaded: boolean;
}

/** Ollama names: case-insensitive, and a name without a tag means `:latest`. */
export function normalizeModelName(name: string): string {
  const trimmed = name.trim().toLowerCase();
  const lastSegment = trimmed.slice(trimmed.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? trimmed : `${trimmed}:latest`;
}

const percent = (ratio: number) => `${Math.round(ratio * 1000) / 10}%`;

/**
 * Decides from `[thermal.vram]` whether a GPU task fits before a worker claims it, so tasks are batched by
 * the model already loaded instead of thrashing swaps:
 * - no VRAM reading (CPU-only, nvidia-smi down): admit, there is nothing to guard;
 * - VRAM at or over `emergency`: refuse everything;
 * - the model is loaded: admit (it needs no new VRAM);
 * - VRAM at or over `high`, or the model's known size would take it there: refuse (run tasks for the
 *   loaded models first);
 * - otherwise admit.
 */
export function admitGpuTask(request: GpuTaskRequest & { vram: VramThresholds }): GpuTaskAdmission {
  const { model, loadedModels, vramUsedMb, vramTotalMb, modelSizeMb, vram } = request;
  const wanted = normalizeModelName(model);
  const loaded = loadedModels.some((name) => normalizeModelName(name) === wanted);
  if (
    vramTotalMb === null ||
    vramTotalMb === undefined ||
    !(vramTotalMb > 0) ||
    vramUsedMb === null ||
    vramUsedMb === undefined ||
    !(vramUsedMb >= 0)
  ) {
    return {
      admit: true,
      reason: 'no VRAM reading (CPU-only or nvidia-smi unavailable): nothing to guard',
      loaded,
    };
  }
  const ratio = vramUsedMb / vramTotalMb;
  if (ratio >= vram.emergency) {
    return {
      admit: false,
      reason: `VRAM at ${percent(ratio)} is at or over the emergency threshold (${percent(vram.emergency)}); no GPU task is admitted`,
      loaded,
    };
  }
  if (loaded) {
    return { admit: true, reason: `${model} is loaded already; VRAM at ${percent(ratio)}`, loaded };
  }
  const others = loadedModels.length > 0 ? loadedModels.join(', ') : 'none';
  if (ratio >= vram.high) {
    return {
      admit: false,
      reason: `loading ${model} with VRAM at ${percent(ratio)} (high threshold ${percent(vram.high)}) would thrash; run tasks for the loaded models first (${others})`,
      loaded,
    };
  }
  if (modelSizeMb !== undefined && modelSizeMb > 0) {
    const after = (vramUsedMb + modelSizeMb) / vramTotalMb;
    if (after >= vram.high) {
      return {
        admit: false,
        reason: `loading ${model} (~${Math.round(modelSizeMb)} MiB) would take VRAM to ${percent(after)}, over the high threshold (${percent(vram.high)}); loaded: ${others}`,
        loaded,
      };
    }
  }
  return {
    admit: true,
    reason: `${model} fits: VRAM at ${percent(ratio)}, below the high threshold (${percent(vram.high)})`,
    loaded,
  };
}
