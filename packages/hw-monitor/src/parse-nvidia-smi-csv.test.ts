import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseNvidiaSmiCsv } from './parse-nvidia-smi-csv';
import { formatNvidiaSmiCsv } from './test/format-nvidia-smi-csv';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');

describe('parseNvidiaSmiCsv', () => {
  it('reads an idle RTX 3080', () => {
    const { gpus, skipped } = parseNvidiaSmiCsv(fixture('nvidia-smi-rtx3080-idle.csv'));
    expect(skipped).toEqual([]);
    expect(gpus).toEqual([
      {
        index: 0,
        name: 'NVIDIA GeForce RTX 3080',
        temperatureC: 41,
        memoryUsedMb: 812,
        memoryTotalMb: 10240,
        utilizationPercent: 2,
        powerDrawW: 22.47,
        powerLimitW: 320,
        smClockMhz: 210,
        throttle: { mask: '0x0000000000000001', reasons: ['gpu_idle'], thermal: false },
      },
    ]);
  });

  it('decodes thermal throttling from the reasons mask', () => {
    const [gpu] = parseNvidiaSmiCsv(fixture('nvidia-smi-rtx3080-hot-throttling.csv')).gpus;
    expect(gpu?.temperatureC).toBe(83);
    expect(gpu?.throttle).toEqual({
      mask: '0x0000000000000024',
      reasons: ['sw_power_cap', 'sw_thermal_slowdown'],
      thermal: true,
    });
  });

  it('names bits it does not know instead of dropping them', () => {
    const [gpu] = parseNvidiaSmiCsv(formatNvidiaSmiCsv([{ throttleMask: '0x0000000000001040' }])).gpus;
    expect(gpu?.throttle?.reasons).toEqual(['hw_thermal_slowdown', 'unknown_0x1000']);
  });

  it.each([
    ['nvidia-smi-rtx3080-wsl-na-power.csv', { powerDrawW: null, powerLimitW: null, temperatureC: 52 }],
    ['nvidia-smi-a100-80gb-mig.csv', { utilizationPercent: null, memoryTotalMb: 81920 }],
    [
      'nvidia-smi-old-gpu-not-supported.csv',
      { powerDrawW: null, powerLimitW: null, throttle: null, name: 'NVIDIA GeForce GTX 1050 Ti' },
    ],
    ['nvidia-smi-h200-idle.csv', { name: 'NVIDIA H200', memoryTotalMb: 143771, powerLimitW: 700 }],
    ['nvidia-smi-a100-40gb-load.csv', { memoryUsedMb: 37112, utilizationPercent: 100, powerDrawW: 387.51 }],
    [
      'nvidia-smi-rtx3080-windows-crlf.csv',
      { throttle: { mask: '0x0000000000000000', reasons: [], thermal: false } },
    ],
  ])('%s: [N/A] and [Not Supported] become null, the rest is read', (file, expected) => {
    const { gpus, skipped } = parseNvidiaSmiCsv(fixture(file));
    expect(skipped).toEqual([]);
    expect(gpus).toHaveLength(1);
    expect(gpus[0]).toMatchObject(expected);
  });

  it('reads every GPU of a multi-GPU box, in order', () => {
    const { gpus, skipped } = parseNvidiaSmiCsv(fixture('nvidia-smi-multi-gpu-4x.csv'));
    expect(skipped).toEqual([]);
    expect(gpus.map((gpu) => [gpu.index, gpu.temperatureC, gpu.memoryUsedMb])).toEqual([
      [0, 62, 40122],
      [1, 78, 45981],
      [2, 33, 4],
      [3, null, 4],
    ]);
    expect(gpus[1]?.throttle?.reasons).toEqual(['sw_power_cap']);
    expect(gpus[3]?.throttle).toBeNull();
    expect(gpus[3]?.powerDrawW).toBeNull();
  });

  it('skips garbage lines with a reason each, keeps the good rows, and never throws', () => {
    const { gpus, skipped } = parseNvidiaSmiCsv(fixture('nvidia-smi-garbage.txt'));
    expect(gpus.map((gpu) => [gpu.index, gpu.temperatureC])).toEqual([[0, 45]]);
    expect(skipped.map((line) => [line.line, line.reason])).toEqual([
      [1, 'header line (run with --format=csv,noheader)'],
      [3, 'expected 10 comma-separated fields, got 1'],
      [4, 'temperature.gpu is not a number: "hot"'],
      [5, 'index is not a GPU number: "x"'],
      [6, 'expected 10 comma-separated fields, got 4'],
      [7, 'clocks_throttle_reasons.active is not a hex mask: "throttled"'],
      [8, 'duplicate GPU index 0'],
    ]);
  });

  it.each([
    ['empty output', ''],
    ['only blank lines and CRLF', '\r\n\r\n  \n'],
  ])('%s: no GPUs and nothing skipped', (_label, text) => {
    expect(parseNvidiaSmiCsv(text)).toEqual({ gpus: [], skipped: [] });
  });

  it.each([
    ['driver failure', 'nvidia-smi-driver-failure.txt'],
    ['no devices', 'nvidia-smi-no-devices.txt'],
  ])('%s message: no GPUs, the message kept as a skipped line', (_label, file) => {
    const { gpus, skipped } = parseNvidiaSmiCsv(fixture(file));
    expect(gpus).toEqual([]);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]?.text).toBe(fixture(file).trim().split('\n')[0]);
  });

  it('tolerates extra spaces, tabs, a BOM and a stray unit', () => {
    const text =
      '\uFEFF  0 ,  NVIDIA GeForce RTX 3080 ,\t45 C, 1024 MiB ,10240,  3 %, 25.10 W , 320.00,210 MHz , 0x0\n';
    const [gpu] = parseNvidiaSmiCsv(text).gpus;
    expect(gpu).toMatchObject({
      index: 0,
      name: 'NVIDIA GeForce RTX 3080',
      temperatureC: 45,
      memoryUsedMb: 1024,
    });
    expect(gpu?.powerDrawW).toBe(25.1);
    expect(gpu?.smClockMhz).toBe(210);
  });

  it('keeps a comma inside the product name', () => {
    const [gpu] = parseNvidiaSmiCsv(
      '0, NVIDIA Foo, Rev B, 45, 1024, 10240, 3, 25.10, 320.00, 210, 0x0\n',
    ).gpus;
    expect(gpu?.name).toBe('NVIDIA Foo, Rev B');
    expect(gpu?.temperatureC).toBe(45);
  });

  it('skips oversized lines and rows past the 64th', () => {
    const long = `0, ${'x'.repeat(2000)}, 45, 1024, 10240, 3, 25.10, 320.00, 210, 0x0`;
    expect(parseNvidiaSmiCsv(long).skipped[0]?.reason).toBe('line is longer than 1024 characters');
    expect(parseNvidiaSmiCsv(long).skipped[0]?.text.length).toBeLessThanOrEqual(203);

    const many = formatNvidiaSmiCsv(Array.from({ length: 70 }, (_, index) => ({ index })));
    const parsed = parseNvidiaSmiCsv(many);
    expect(parsed.gpus).toHaveLength(64);
    expect(parsed.skipped).toHaveLength(6);
    expect(parsed.skipped[0]?.reason).toBe('more than 64 GPU rows');
  });

  it('round-trips what formatNvidiaSmiCsv prints', () => {
    const text = formatNvidiaSmiCsv([
      { temperatureC: 77, powerDrawW: null, throttleMask: '0x0000000000000040' },
      { name: 'NVIDIA H200', memoryTotalMb: 143771 },
    ]);
    const { gpus, skipped } = parseNvidiaSmiCsv(text);
    expect(skipped).toEqual([]);
    expect(
      gpus.map((gpu) => [gpu.index, gpu.name, gpu.temperatureC, gpu.powerDrawW, gpu.throttle?.thermal]),
    ).toEqual([
      [0, 'NVIDIA GeForce RTX 3080', 77, null, true],
      [1, 'NVIDIA H200', 40, 22.5, false],
    ]);
  });

  it('does not throw on a non-string', () => {
    expect(parseNvidiaSmiCsv(undefined as unknown as string)).toEqual({ gpus: [], skipped: [] });
  });
});
