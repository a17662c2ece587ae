import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTempHome, type TempHome } from '@biged/core/test';
import { writeHwState } from '@biged/hw-monitor';
import { afterEach, describe, expect, it } from 'vitest';
import { FleetError } from './errors/fleet-error';
import {
  createHwStateReader,
  describeHwState,
  HW_STATE_STALE_POLLS,
  localNumGpuFrom,
} from './hw-state-reader';
import { hwStateFixture } from './test-helpers';

let home: TempHome | undefined;
afterEach(() => {
  home?.cleanup();
  home = undefined;
});

const T0 = Date.parse('2026-11-30T12:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();

function setup() {
  home = createTempHome();
  const file = path.join(home.home, 'hw_state.json');
  const clock = { now: T0 };
  const reader = createHwStateReader({ file, pollIntervalMs: 5000, now: () => clock.now });
  return { file, clock, reader };
}

describe('createHwStateReader', () => {
  it('reads the file at most once per poll interval', async () => {
    const { file, clock, reader } = setup();
    await writeHwState(file, hwStateFixture({ model: 'qwen3:8b', updated_at: at(T0) }));
    expect(reader.current()?.model).toBe('qwen3:8b');
    await writeHwState(file, hwStateFixture({ model: 'qwen3:4b', updated_at: at(T0 + 1000) }));
    clock.now = T0 + 4999;
    // Still the cached state: the file changed, but less than one interval has passed.
    expect(reader.current()?.model).toBe('qwen3:8b');
    clock.now = T0 + 5000;
    expect(reader.current()?.model).toBe('qwen3:4b');
  });

  it('ignores a missing, corrupt, wrongly shaped or stale file', async () => {
    const { file, clock, reader } = setup();
    expect(reader.current()).toBeUndefined();
    clock.now += 5000;
    writeFileSync(file, '{"status": "ok", "tier": ');
    expect(reader.current()).toBeUndefined();
    clock.now += 5000;
    writeFileSync(file, JSON.stringify({ status: 'ok' }));
    expect(reader.current()).toBeUndefined();
    clock.now += 5000;
    const writtenAt = clock.now;
    await writeHwState(file, hwStateFixture({ updated_at: at(writtenAt) }));
    expect(reader.current()).toBeDefined();
    // Nobody rewrites it: after three poll intervals the monitor counts as not running.
    clock.now = writtenAt + HW_STATE_STALE_POLLS * 5000;
    expect(reader.current()).toBeDefined();
    clock.now = writtenAt + HW_STATE_STALE_POLLS * 5000 + 1;
    expect(reader.current()).toBeUndefined();
  });

  it('refuses a poll interval that is not a positive number', () => {
    for (const pollIntervalMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = (() => {
        try {
          createHwStateReader({ file: 'hw_state.json', pollIntervalMs });
        } catch (caught) {
          return caught;
        }
      })();
      expect(FleetError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ code: 'FLEET_INVALID_OPTION' });
      expect((error as Error).message).toContain('pollIntervalMs');
    }
  });
});

describe('describeHwState (the STATUS.md line)', () => {
  const view = { now: T0, pollIntervalMs: 5000 };

  it('shows status, tier, GPU temperature, VRAM, power and Ollama', () => {
    expect(describeHwState(hwStateFixture({ updated_at: at(T0) }), view)).toBe(
      'ok, tier default (qwen3:8b), GPU 41 °C, VRAM 812/10240 MiB, 22.47 W, Ollama reachable',
    );
  });

  it('says CPU only without a GPU, names the Ollama error, and says when GPU-heavy skills pause', () => {
    const state = hwStateFixture({
      status: 'cpu_only',
      tier: 'critical',
      model: 'qwen3:0.6b',
      gpu: { available: false, reason: 'nvidia-smi not found on PATH' },
      gpu_heavy_allowed: false,
      ollama: {
        host: 'http://127.0.0.1:1',
        reachable: false,
        error: 'connect ECONNREFUSED\n127.0.0.1:1',
        last_keepalive_at: null,
        upkeep_error: null,
      },
      updated_at: at(T0),
    });
    expect(describeHwState(state, view)).toBe(
      'cpu_only, tier critical (qwen3:0.6b), CPU only, GPU-heavy skills paused, Ollama unreachable (connect ECONNREFUSED 127.0.0.1:1)',
    );
  });

  it('says the monitor is not running when the file is missing or stale', () => {
    expect(describeHwState(undefined, view)).toBe('monitor not running (no readable hw_state.json)');
    const old = at(T0 - HW_STATE_STALE_POLLS * 5000 - 1);
    expect(describeHwState(hwStateFixture({ updated_at: old }), view)).toBe(
      `monitor not running (hw_state.json last written ${old})`,
    );
  });
});

describe("localNumGpuFrom (num_gpu for the worker's local calls)", () => {
  it.each([
    ['a GPU tier', { tier: 'default', use_gpu: true }, undefined],
    ['a lower GPU tier', { tier: 'low', use_gpu: true }, undefined],
    ['the CPU tier (critical)', { tier: 'critical', use_gpu: false }, 0],
    ['eco mode', { tier: 'critical', use_gpu: false, eco_mode: true, status: 'eco' }, 0],
    ['training (GPU held, CPU tier)', { tier: 'critical', use_gpu: false, training: true }, 0],
    ['use_gpu false at a GPU tier name', { tier: 'mid', use_gpu: false }, 0],
  ] as const)('%s', async (_label, fields, expected) => {
    const { file, clock, reader } = setup();
    await writeHwState(file, hwStateFixture({ ...fields, updated_at: at(clock.now) }));
    expect(localNumGpuFrom(reader)()).toBe(expected);
  });

  it('no state or a stale one: undefined (Ollama decides)', async () => {
    const { file, clock, reader } = setup();
    const numGpu = localNumGpuFrom(reader);
    expect(numGpu()).toBeUndefined();
    await writeHwState(file, hwStateFixture({ tier: 'critical', use_gpu: false, updated_at: at(clock.now) }));
    clock.now += 5000;
    expect(numGpu()).toBe(0);
    clock.now += HW_STATE_STALE_POLLS * 5000 + 1;
    expect(numGpu()).toBeUndefined();
  });
});
