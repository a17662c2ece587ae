import { describe, expect, it } from 'vitest';
import { readSystem, type SystemInformationSource } from './read-system';

const GIB = 1024 ** 3;

const source = (overrides: Partial<SystemInformationSource> = {}): SystemInformationSource => ({
  currentLoad: async () => ({ currentLoad: 37.04 }),
  mem: async () => ({ total: 32 * GIB, available: 20 * GIB }),
  cpuTemperature: async () => ({ main: 61.5, max: 70 }),
  ...overrides,
});

describe('readSystem', () => {
  it('reads this machine through systeminformation', async () => {
    const reading = await readSystem();
    expect(reading.cpuLoadPercent).toBeGreaterThanOrEqual(0);
    expect(reading.cpuLoadPercent).toBeLessThanOrEqual(100);
    expect(reading.ramTotalMb).toBeGreaterThan(0);
    expect(reading.ramUsedMb).toBeGreaterThan(0);
    expect(reading.ramUsedMb).toBeLessThanOrEqual(reading.ramTotalMb ?? 0);
    // Containers and VMs expose no CPU sensor: null, never -1 or NaN.
    expect(reading.cpuTempC === null || (reading.cpuTempC > 0 && reading.cpuTempC < 150)).toBe(true);
  });

  it('converts to MiB and rounds the load', async () => {
    expect(await readSystem({ source: source() })).toEqual({
      cpuLoadPercent: 37,
      ramUsedMb: 12 * 1024,
      ramTotalMb: 32 * 1024,
      cpuTempC: 61.5,
    });
  });

  it.each([
    ['null', { main: null, max: null }],
    ['-1 (older systeminformation)', { main: -1, max: -1 }],
    ['0', { main: 0 }],
    ['NaN', { main: Number.NaN }],
    ['absurd', { main: 4000 }],
  ])('a missing CPU sensor reported as %s becomes null', async (_label, temperature) => {
    const reading = await readSystem({ source: source({ cpuTemperature: async () => temperature }) });
    expect(reading.cpuTempC).toBeNull();
  });

  it('falls back to the hottest core when there is no package temperature', async () => {
    const reading = await readSystem({
      source: source({ cpuTemperature: async () => ({ main: null, max: 66 }) }),
    });
    expect(reading.cpuTempC).toBe(66);
  });

  it('skips the CPU temperature when disabled ([thermal] cpu_temp_enabled = false)', async () => {
    let asked = false;
    const reading = await readSystem({
      cpuTemperature: false,
      source: source({
        cpuTemperature: async () => {
          asked = true;
          return { main: 50 };
        },
      }),
    });
    expect(asked).toBe(false);
    expect(reading.cpuTempC).toBeNull();
  });

  it('a failing source gives nulls, never a rejection', async () => {
    const reading = await readSystem({
      source: {
        currentLoad: async () => {
          throw new Error('no /proc/stat');
        },
        mem: async () => ({ total: Number.NaN, available: 1 }),
        cpuTemperature: async () => {
          throw new Error('sensors missing');
        },
      },
    });
    expect(reading).toEqual({ cpuLoadPercent: null, ramUsedMb: null, ramTotalMb: null, cpuTempC: null });
  });

  it('available larger than total leaves used unknown', async () => {
    const reading = await readSystem({
      source: source({ mem: async () => ({ total: GIB, available: 2 * GIB }) }),
    });
    expect(reading).toMatchObject({ ramTotalMb: 1024, ramUsedMb: null });
  });
});
