import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fleetConfigSchema } from '@biged/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// The monitor's default readSystem goes through systeminformation; count its CPU-temperature reads.
const temperature = vi.hoisted(() => ({ calls: 0, main: null as number | null }));
vi.mock('systeminformation', () => ({
  currentLoad: async () => ({ currentLoad: 10 }),
  mem: async () => ({ total: 8 * 1024 ** 3, available: 4 * 1024 ** 3 }),
  cpuTemperature: async () => {
    temperature.calls += 1;
    return { main: temperature.main, max: null };
  },
}));

const { createHwMonitor } = await import('./create-hw-monitor');

describe('createHwMonitor: CPU temperature reads of the default readSystem', () => {
  let home: string;
  let t: number;
  beforeEach(() => {
    home = mkdtempSync(path.join(tmpdir(), 'biged-hw-cpu-temp-'));
    t = 0;
    temperature.calls = 0;
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const pollEvery5sFor = async (seconds: number, main: number | null) => {
    temperature.main = main;
    const monitor = createHwMonitor({
      config: fleetConfigSchema.parse({}),
      paths: { hwState: path.join(home, 'hw_state.json') },
      readGpus: async () => ({ available: false, code: 'not_found', reason: 'none', gpus: [], skipped: [] }),
      ollama: false,
      now: () => t,
    });
    const temps: (number | null)[] = [];
    for (t = 0; t <= seconds * 1000; t += 5000) temps.push((await monitor.pollOnce()).thermal.cpu_temp_c);
    return temps;
  };

  it('with a sensor: every 30 s, and each poll reports the last value', async () => {
    const temps = await pollEvery5sFor(600, 55);
    expect(temperature.calls).toBe(21); // 0, 30, ..., 600 s
    expect(temps.every((value) => value === 55)).toBe(true);
  });

  it('without a sensor: 20 times less often (every 10 min)', async () => {
    const temps = await pollEvery5sFor(1800, null);
    expect(temperature.calls).toBe(4); // 0, 600, 1200, 1800 s
    expect(temps.every((value) => value === null)).toBe(true);
  });
});
