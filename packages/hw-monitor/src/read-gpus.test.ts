import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ExecFileFunction, nvidiaSmiArgs, readGpus } from './read-gpus';
import { createFakeNvidiaSmi, type FakeNvidiaSmi } from './test/fake-nvidia-smi';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');

describe('readGpus with a fake nvidia-smi on PATH', () => {
  let fake: FakeNvidiaSmi;
  afterEach(() => fake?.cleanup());

  it('runs nvidia-smi with the query and reads every GPU', async () => {
    fake = createFakeNvidiaSmi({ stdout: fixture('nvidia-smi-multi-gpu-4x.csv') });
    const read = await readGpus({ env: fake.env });
    expect(read.available).toBe(true);
    expect(read.gpus.map((gpu) => gpu.index)).toEqual([0, 1, 2, 3]);
    expect(fake.calls()).toEqual([
      [
        '--query-gpu=index,name,temperature.gpu,memory.used,memory.total,utilization.gpu,power.draw,power.limit,clocks.sm,clocks_throttle_reasons.active',
        '--format=csv,noheader,nounits',
      ],
    ]);
  });

  it('replays a sequence: each run sees the current output', async () => {
    fake = createFakeNvidiaSmi({ stdout: fixture('nvidia-smi-rtx3080-idle.csv') });
    const first = await readGpus({ env: fake.env });
    fake.respond(fixture('nvidia-smi-rtx3080-hot-throttling.csv'));
    const second = await readGpus({ env: fake.env });
    expect([first.gpus[0]?.temperatureC, second.gpus[0]?.temperatureC]).toEqual([41, 83]);
  });

  it('no nvidia-smi on PATH (ENOENT): CPU-only, not a crash', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'biged-empty-path-'));
    try {
      const read = await readGpus({ env: { ...process.env, PATH: empty } });
      expect(read).toMatchObject({ available: false, code: 'not_found', gpus: [] });
      if (!read.available) expect(read.reason).toMatch(/nvidia-smi not found on PATH.*CPU-only/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('a driver failure (exit 9) is reported with its message', async () => {
    fake = createFakeNvidiaSmi();
    fake.respond(fixture('nvidia-smi-driver-failure.txt'), { exitCode: 9 });
    const read = await readGpus({ env: fake.env });
    expect(read).toMatchObject({ available: false, code: 'failed' });
    if (!read.available) {
      expect(read.reason).toMatch(/^nvidia-smi exited with code 9: NVIDIA-SMI has failed because/);
    }
  });

  it('"No devices were found" (exit 6) is a failure with that text', async () => {
    fake = createFakeNvidiaSmi();
    fake.respond(fixture('nvidia-smi-no-devices.txt'), { exitCode: 6 });
    const read = await readGpus({ env: fake.env });
    expect(read).toMatchObject({
      available: false,
      code: 'failed',
      reason: 'nvidia-smi exited with code 6: No devices were found',
    });
  });

  it('exit 0 with only garbage: no_gpus, with the skipped lines', async () => {
    fake = createFakeNvidiaSmi({ stdout: 'Segmentation fault\nfoo, bar\n' });
    const read = await readGpus({ env: fake.env });
    expect(read).toMatchObject({
      available: false,
      code: 'no_gpus',
      reason: 'nvidia-smi listed no GPUs: Segmentation fault',
    });
    expect(read.skipped).toHaveLength(2);
  });

  it('a hung nvidia-smi is killed at the timeout and reported, without waiting for it', async () => {
    fake = createFakeNvidiaSmi();
    // The script sleeps 120 s; the test's own 20 s limit fails it if readGpus waited for the child.
    fake.hang(120);
    const read = await readGpus({ env: fake.env, timeoutMs: 300 });
    expect(read).toMatchObject({
      available: false,
      code: 'timeout',
      reason: 'nvidia-smi did not answer within 300 ms',
    });
  }, 20_000);

  it('a driver that rejects clocks_throttle_reasons.active is asked again with clocks_event_reasons.active', async () => {
    const calls: string[][] = [];
    const exec: ExecFileFunction = async (_file, args) => {
      calls.push([...args]);
      if (args[0]?.includes('clocks_throttle_reasons')) {
        throw Object.assign(new Error('exit 2'), {
          code: 2,
          stdout: '',
          stderr: 'Field "clocks_throttle_reasons.active" is not a valid field to query.\n',
        });
      }
      return { stdout: fixture('nvidia-smi-h200-idle.csv'), stderr: '' };
    };
    const read = await readGpus({ exec });
    expect(read.available).toBe(true);
    expect(calls.map((args) => args[0]?.split(',').at(-1))).toEqual([
      'clocks_throttle_reasons.active',
      'clocks_event_reasons.active',
    ]);
  });

  it('oversized output is refused', async () => {
    fake = createFakeNvidiaSmi({ stdout: 'x'.repeat(300 * 1024) });
    const read = await readGpus({ env: fake.env });
    expect(read).toMatchObject({ available: false, code: 'too_large' });
  });

  it('a non-executable nvidia-smi is a failure, not a crash', async () => {
    const exec: ExecFileFunction = async () => {
      throw Object.assign(new Error('spawn EACCES'), { code: 'EACCES' });
    };
    expect(await readGpus({ exec })).toMatchObject({ available: false, code: 'failed' });
  });

  it('nvidiaSmiArgs swaps only the throttle field', () => {
    expect(nvidiaSmiArgs('clocks_event_reasons.active')[0]).toBe(
      '--query-gpu=index,name,temperature.gpu,memory.used,memory.total,utilization.gpu,power.draw,power.limit,clocks.sm,clocks_event_reasons.active',
    );
  });
});
