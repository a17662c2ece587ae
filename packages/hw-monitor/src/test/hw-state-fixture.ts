import type { HwState } from '../hw-state';

/**
 * A complete hw_state.json as the hardware monitor writes it (an idle RTX 3080 at the default tier,
 * Ollama answering), with `overrides` on top and `updated_at` set to now unless given.
 */
export function hwStateFixture(overrides: Partial<HwState> = {}): HwState {
  return {
    version: 1,
    status: 'ok',
    tier: 'default',
    model: 'qwen3:8b',
    use_gpu: true,
    gpu_heavy_allowed: true,
    evict_gpu_models: false,
    training: false,
    eco_mode: false,
    reasons: [],
    pending_swap: null,
    last_swap: null,
    thermal: {
      gpu_temp_c: 41,
      cpu_temp_c: null,
      vram_used_mb: 812,
      vram_total_mb: 10240,
      power_w: 22.47,
      gpu_util_percent: 2,
      cpu_load_percent: 3,
      ram_used_mb: 4000,
      ram_total_mb: 16000,
      gpu_throttle: [],
    },
    gpu: { available: true, reason: null },
    gpus: [],
    models_loaded: [],
    conductor: { model: 'qwen3:4b', loaded: true, checked_at: null, error: null },
    ollama: {
      host: 'http://127.0.0.1:11434',
      reachable: true,
      error: null,
      last_keepalive_at: null,
      upkeep_error: null,
    },
    pid: process.pid,
    poll_interval_secs: 5,
    updated_at: new Date().toISOString(),
    ...overrides,
  };
}
