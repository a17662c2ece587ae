import { describe, expect, it } from 'vitest';
import { createEnergyMeter, energyWh } from './energy';
import { HwMonitorError } from './errors';

const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return HwMonitorError.isInstance(error) ? error.code : 'not a HwMonitorError';
  }
  return 'no error';
};

describe('energyWh', () => {
  it.each([
    [300, 3_600_000, 300],
    [300, 60_000, 5],
    [250, 1500, 250 * (1500 / 3_600_000)],
    [0, 10_000, 0],
    [100, 0, 0],
  ])('%s W for %s ms = %s Wh', (powerW, durationMs, expected) => {
    expect(energyWh({ powerW, durationMs })).toBeCloseTo(expected, 12);
  });

  it.each([
    ['negative power', -1, 1000],
    ['NaN power', Number.NaN, 1000],
    ['infinite duration', 100, Number.POSITIVE_INFINITY],
    ['negative duration', 100, -5],
  ])('%s is refused with HW_INVALID_INPUT', (_label, powerW, durationMs) => {
    expect(codeOf(() => energyWh({ powerW, durationMs }))).toBe('HW_INVALID_INPUT');
  });
});

describe('createEnergyMeter', () => {
  it('integrates a ramp with trapezoids', () => {
    const meter = createEnergyMeter();
    meter.sample(100, 0);
    meter.sample(300, 36_000); // 36 s at an average of 200 W = 2 Wh
    meter.sample(300, 72_000); // 36 s at 300 W = 3 Wh
    expect(meter.wattHours()).toBeCloseTo(5, 12);
    expect(meter.durationMs()).toBe(72_000);
    expect(meter.samples()).toBe(3);
  });

  it('one sample is no energy; a constant power matches energyWh', () => {
    const meter = createEnergyMeter();
    meter.sample(250, 1000);
    expect(meter.wattHours()).toBe(0);
    meter.sample(250, 61_000);
    expect(meter.wattHours()).toBeCloseTo(energyWh({ powerW: 250, durationMs: 60_000 }), 12);
  });

  it('a null reading is a gap: the intervals touching it count nothing', () => {
    const meter = createEnergyMeter();
    meter.sample(360, 0);
    meter.sample(null, 10_000);
    meter.sample(360, 20_000);
    meter.sample(360, 30_000);
    expect(meter.wattHours()).toBeCloseTo(1, 12); // only 20-30 s at 360 W
    expect(meter.durationMs()).toBe(30_000);
  });

  it('uses its clock when no time is given', () => {
    let now = 5000;
    const meter = createEnergyMeter({ now: () => now });
    meter.sample(720);
    now += 5000;
    meter.sample(720);
    expect(meter.wattHours()).toBeCloseTo(1, 12);
  });

  it.each([
    ['negative power', (meter: ReturnType<typeof createEnergyMeter>) => meter.sample(-3, 2000)],
    ['NaN power', (meter: ReturnType<typeof createEnergyMeter>) => meter.sample(Number.NaN, 2000)],
    [
      'a time before the last sample',
      (meter: ReturnType<typeof createEnergyMeter>) => meter.sample(100, 500),
    ],
    ['a non-finite time', (meter: ReturnType<typeof createEnergyMeter>) => meter.sample(100, Number.NaN)],
  ])('%s is refused and leaves the total alone', (_label, bad) => {
    const meter = createEnergyMeter();
    meter.sample(100, 1000);
    expect(codeOf(() => bad(meter))).toBe('HW_INVALID_INPUT');
    expect(meter.samples()).toBe(1);
    expect(meter.wattHours()).toBe(0);
  });
});
