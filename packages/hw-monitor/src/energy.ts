import { HwMonitorError } from './errors';

const MS_PER_HOUR = 3_600_000;

const invalid = (message: string) => new HwMonitorError({ code: 'HW_INVALID_INPUT', message });

/**
 * Watt-hours used by a constant `powerW` over `durationMs`: `powerW * durationMs / 3 600 000`.
 * Throws `HwMonitorError` (`HW_INVALID_INPUT`) for a negative or non-finite power or duration.
 */
export function energyWh({ powerW, durationMs }: { powerW: number; durationMs: number }): number {
  if (!Number.isFinite(powerW) || powerW < 0)
    throw invalid(`energyWh: powerW must be a finite number >= 0, got ${powerW}`);
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    throw invalid(`energyWh: durationMs must be a finite number >= 0, got ${durationMs}`);
  }
  return (powerW * durationMs) / MS_PER_HOUR;
}

/** Options for `createEnergyMeter`. */
export interface CreateEnergyMeterOptions {
  /** The clock `sample()` uses when given no time, ms. Default `Date.now`. */
  now?: () => number;
}

/** Integrates GPU power readings over a model call (trapezoids between samples). */
export interface EnergyMeter {
  /**
   * Adds a power reading (W) taken at `at` (ms; default `now()`). A `null` power (no GPU, `[N/A]`) is a
   * gap: the interval before the next real reading counts nothing. Throws `HwMonitorError`
   * (`HW_INVALID_INPUT`) for a negative or non-finite power, or a time before the previous sample.
   */
  sample(powerW: number | null, at?: number): void;
  /** Watt-hours so far. 0 with fewer than two samples. */
  wattHours(): number;
  /** Time between the first and the last sample, ms. */
  durationMs(): number;
  /** Samples taken, gaps included. */
  samples(): number;
}

/**
 * Creates an energy meter for one model call: sample the GPU power (hw_state.json `thermal.power_w`) when
 * the call starts, on each monitor poll while it runs, and when it ends; `wattHours()` is what the usage
 * ledger records. The GPU's whole board power is counted: calls that overlap each see all of it.
 */
export function createEnergyMeter(options: CreateEnergyMeterOptions = {}): EnergyMeter {
  const clock = options.now ?? Date.now;
  let total = 0;
  let count = 0;
  let first: number | undefined;
  let last: { at: number; powerW: number | null } | undefined;
  return {
    sample(powerW, at = clock()) {
      if (!Number.isFinite(at)) throw invalid(`energy meter: the sample time must be finite, got ${at}`);
      if (powerW !== null && (!Number.isFinite(powerW) || powerW < 0)) {
        throw invalid(`energy meter: power must be a finite number of watts >= 0 or null, got ${powerW}`);
      }
      if (last && at < last.at) {
        throw invalid(`energy meter: samples must come in time order (${at} is before ${last.at})`);
      }
      if (last && last.powerW !== null && powerW !== null) {
        total += energyWh({ powerW: (last.powerW + powerW) / 2, durationMs: at - last.at });
      }
      first ??= at;
      last = { at, powerW };
      count += 1;
    },
    wattHours: () => total,
    durationMs: () => (first === undefined || last === undefined ? 0 : last.at - first),
    samples: () => count,
  };
}
