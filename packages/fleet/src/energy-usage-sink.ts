import type { UsageEntry, UsageReservation, UsageSink } from '@biged/core';
import { energyWh } from '@biged/hw-monitor';

// NOTE: docs/architecture.md ("Hardware monitor", energy) describes this measure; keep both in sync.

/** A usage sink whose `record` also stores the call's energy (`createLedgerUsageSink` from `@biged/queue`). */
export interface EnergyRecordingUsageSink extends UsageSink {
  record(entry: UsageEntry & { energyWh?: number | null }): void | Promise<void>;
}

/** Options for `createEnergyUsageSink`. */
export interface CreateEnergyUsageSinkOptions {
  /** The sink that books the calls (the usage ledger's). */
  sink: EnergyRecordingUsageSink;
  /**
   * The GPU power draw now, in watts (hw_state.json `thermal.power_w` through a `HwStateReader`);
   * null or undefined when unknown (no GPU, no monitor, `[N/A]`).
   */
  powerW: () => number | null | undefined;
  /** Providers whose calls are measured. Default `['local']`: external providers draw no local power. */
  providers?: readonly string[];
}

const SLOT = Symbol('biged.fleet.energySlot');

/** What this sink's `reserve` returns: the inner sink's reservation and the power when the call started. */
interface EnergySlot {
  [SLOT]: true;
  inner: unknown;
  startPowerW: number | null;
}

const isSlot = (value: unknown): value is EnergySlot =>
  typeof value === 'object' && value !== null && (value as Partial<EnergySlot>)[SLOT] === true;

/** A usable power reading, or null. */
const watts = (value: number | null | undefined): number | null =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;

/**
 * Wraps the ledger's usage sink so that every call to a measured provider (`local`) is booked with the
 * watt-hours it drew: the GPU power read when the router reserves the call and when it records it,
 * averaged, times the call's `latencyMs` (the same duration the ledger stores). One reading missing: the
 * other is used; both missing: `energyWh` is null (unknown, not 0). Other providers are booked with no
 * energy. Whole-board power is counted, so calls that overlap each see all of it.
 */
export function createEnergyUsageSink(options: CreateEnergyUsageSinkOptions): EnergyRecordingUsageSink {
  const { sink, powerW } = options;
  const measured = new Set(options.providers ?? ['local']);
  return {
    async reserve(request: UsageReservation): Promise<EnergySlot> {
      const startPowerW = measured.has(request.provider) ? watts(powerW()) : null;
      const inner = await sink.reserve?.(request);
      return { [SLOT]: true, inner, startPowerW };
    },
    record(entry: UsageEntry) {
      const slot = isSlot(entry.reservation) ? entry.reservation : undefined;
      const { reservation: _wrapped, ...rest } = entry;
      const inner = slot ? slot.inner : entry.reservation;
      let energy: number | null = null;
      if (measured.has(entry.provider)) {
        const start = slot?.startPowerW ?? null;
        const end = watts(powerW());
        const readings = [start, end].filter((value): value is number => value !== null);
        if (readings.length > 0 && Number.isFinite(entry.latencyMs) && entry.latencyMs >= 0) {
          const average = readings.reduce((total, value) => total + value, 0) / readings.length;
          energy = energyWh({ powerW: average, durationMs: entry.latencyMs });
        }
      }
      return sink.record({
        ...rest,
        ...(inner === undefined ? {} : { reservation: inner }),
        energyWh: energy,
      });
    },
  };
}
