import * as systeminformation from 'systeminformation';

/** CPU, RAM and CPU temperature at one moment. */
export interface SystemReading {
  /** CPU load over all cores since the previous reading (the first: since boot), 0-100. */
  cpuLoadPercent: number | null;
  /** RAM in use (total minus what the OS can hand out without swapping), MiB. */
  ramUsedMb: number | null;
  /** Installed RAM, MiB. */
  ramTotalMb: number | null;
  /** Main CPU (package) temperature, °C; `null` when the machine exposes none (VMs, containers, WSL). */
  cpuTempC: number | null;
}

/** The three systeminformation calls `readSystem` makes; tests and other platforms may pass their own. */
export interface SystemInformationSource {
  currentLoad(): Promise<{ currentLoad: number }>;
  mem(): Promise<{ total: number; available: number }>;
  cpuTemperature(): Promise<{ main: number | null; max?: number | null }>;
}

/** Options for `readSystem`. */
export interface ReadSystemOptions {
  /** Where readings come from. Default: the `systeminformation` package. */
  source?: SystemInformationSource;
  /** Read the CPU temperature (`[thermal] cpu_temp_enabled`). Default true. */
  cpuTemperature?: boolean;
}

const MIB = 1024 * 1024;

const finiteOrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/** systeminformation reports a missing sensor as null, -1 or 0 depending on platform and version. */
const temperatureOrNull = (value: unknown): number | null => {
  const number = finiteOrNull(value);
  return number === null || number <= 0 || number > 150 ? null : number;
};

/**
 * Reads CPU load, RAM and the CPU temperature through `systeminformation`. Never throws: a reading that
 * fails or makes no sense is `null`. The CPU temperature is `null` where the OS exposes no sensor.
 */
export async function readSystem(options: ReadSystemOptions = {}): Promise<SystemReading> {
  const source = options.source ?? (systeminformation as unknown as SystemInformationSource);
  const wantTemperature = options.cpuTemperature ?? true;
  const [load, memory, temperature] = await Promise.allSettled([
    source.currentLoad(),
    source.mem(),
    wantTemperature ? source.cpuTemperature() : Promise.resolve(undefined),
  ]);
  const reading: SystemReading = { cpuLoadPercent: null, ramUsedMb: null, ramTotalMb: null, cpuTempC: null };
  if (load.status === 'fulfilled') {
    const percent = finiteOrNull(load.value?.currentLoad);
    reading.cpuLoadPercent =
      percent === null ? null : Math.min(100, Math.max(0, Math.round(percent * 10) / 10));
  }
  if (memory.status === 'fulfilled') {
    const total = finiteOrNull(memory.value?.total);
    const available = finiteOrNull(memory.value?.available);
    if (total !== null && total > 0) {
      reading.ramTotalMb = Math.round(total / MIB);
      if (available !== null && available >= 0 && available <= total) {
        reading.ramUsedMb = Math.round((total - available) / MIB);
      }
    }
  }
  if (temperature.status === 'fulfilled' && temperature.value) {
    reading.cpuTempC = temperatureOrNull(temperature.value.main) ?? temperatureOrNull(temperature.value.max);
  }
  return reading;
}
