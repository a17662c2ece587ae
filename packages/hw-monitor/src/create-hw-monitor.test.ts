import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type FleetConfigInput, fleetConfigSchema } from '@biged/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHwMonitor, type HwMonitorEventMap } from './create-hw-monitor';
import { HwMonitorError } from './errors';
import { readHwState } from './hw-state';
import { readGpus } from './read-gpus';
import type { SystemReading } from './read-system';
import { createFakeNvidiaSmi, type FakeNvidiaSmi } from './test/fake-nvidia-smi';
import { type FakeOllama, startFakeOllama } from './test/fake-ollama';
import { formatNvidiaSmiCsv } from './test/format-nvidia-smi-csv';

const fixture = (name: string) => readFileSync(new URL(`./__fixtures__/${name}`, import.meta.url), 'utf8');
const configOf = (input: FleetConfigInput = {}) => fleetConfigSchema.parse(input);
const system: SystemReading = { cpuLoadPercent: 12.5, ramUsedMb: 4096, ramTotalMb: 32768, cpuTempC: 55 };

/** Records events in order. */
function recorder() {
  const events: { name: keyof HwMonitorEventMap; payload: unknown }[] = [];
  const onEvent = <K extends keyof HwMonitorEventMap>(name: K, payload: HwMonitorEventMap[K]) => {
    events.push({ name, payload });
  };
  return { events, onEvent, named: (name: keyof HwMonitorEventMap) => events.filter((e) => e.name === name) };
}

/** `/api/generate` bodies the fake saw. */
const generates = (ollama: FakeOllama) =>
  ollama.requests
    .filter((request) => request.path === '/api/generate')
    .map((request) => request.body as { model: string; keep_alive: unknown; options?: { num_gpu?: number } });

describe('createHwMonitor', () => {
  let home: string;
  let smi: FakeNvidiaSmi;
  let ollama: FakeOllama;
  let t: number;
  const now = () => t;

  beforeEach(async () => {
    home = mkdtempSync(path.join(tmpdir(), 'biged-hw-monitor-'));
    smi = createFakeNvidiaSmi({ stdout: fixture('nvidia-smi-rtx3080-idle.csv') });
    ollama = await startFakeOllama();
    t = Date.parse('2026-11-24T12:00:00.000Z');
  });
  afterEach(async () => {
    await ollama.close();
    smi.cleanup();
    rmSync(home, { recursive: true, force: true });
  });

  const monitorWith = (
    overrides: Partial<Parameters<typeof createHwMonitor>[0]> = {},
    input: FleetConfigInput = {},
  ) =>
    createHwMonitor({
      config: configOf(input),
      paths: { hwState: path.join(home, 'hw_state.json') },
      readGpus: () => readGpus({ env: smi.env }),
      readSystem: async () => system,
      ollama: { host: ollama.url },
      now,
      ...overrides,
    });

  it('writes hw_state.json with the documented shape on an idle GPU', async () => {
    ollama.setLoaded([{ name: 'qwen3:4b', sizeMb: 3313, vramMb: 0 }]);
    const monitor = monitorWith();
    const state = await monitor.pollOnce();
    expect(readHwState(path.join(home, 'hw_state.json'))).toEqual(state);
    expect(monitor.state()).toEqual(state);
    expect(state).toMatchObject({
      version: 1,
      status: 'ok',
      tier: 'default',
      model: 'qwen3:8b',
      use_gpu: true,
      gpu_heavy_allowed: true,
      evict_gpu_models: false,
      training: false,
      pending_swap: null,
      thermal: {
        gpu_temp_c: 41,
        cpu_temp_c: 55,
        vram_used_mb: 812,
        vram_total_mb: 10240,
        power_w: 22.47,
        gpu_util_percent: 2,
        cpu_load_percent: 12.5,
        ram_used_mb: 4096,
        ram_total_mb: 32768,
        gpu_throttle: [],
      },
      gpu: { available: true, reason: null },
      gpus: [{ index: 0, name: 'NVIDIA GeForce RTX 3080', temp_c: 41, throttle_reasons: ['gpu_idle'] }],
      models_loaded: [{ name: 'qwen3:4b', size_mb: 3313, vram_mb: 0 }],
      conductor: { model: 'qwen3:4b', loaded: true, checked_at: '2026-11-24T12:00:00.000Z', error: null },
      ollama: { host: ollama.url, reachable: true, error: null },
      pid: process.pid,
      poll_interval_secs: 5,
      updated_at: '2026-11-24T12:00:00.000Z',
    });
    await monitor.upkeepIdle();
    // The current tier model was warmed; the conductor was loaded already.
    expect(generates(ollama)).toEqual([{ model: 'qwen3:8b', prompt: '', stream: false, keep_alive: '30m' }]);
    expect((await monitor.pollOnce()).ollama.last_keepalive_at).not.toBeNull();
  });

  it('a CPU-only machine (no nvidia-smi): CPU tier, reason in the state, no crash', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'biged-no-smi-'));
    const events = recorder();
    try {
      const monitor = monitorWith({
        readGpus: () => readGpus({ env: { ...process.env, PATH: empty } }),
        onEvent: events.onEvent,
      });
      const state = await monitor.pollOnce();
      expect(state).toMatchObject({
        status: 'cpu_only',
        tier: 'critical',
        model: 'qwen3:0.6b',
        use_gpu: false,
        gpu_heavy_allowed: true,
        gpu: { available: false },
        gpus: [],
        thermal: { gpu_temp_c: null, vram_used_mb: null, vram_total_mb: null, power_w: null },
      });
      expect(state.gpu.reason).toMatch(/nvidia-smi not found/);
      expect(events.named('gpu:unavailable')).toHaveLength(1);
      await monitor.upkeepIdle();
      // No GPU to keep it off: no num_gpu option.
      expect(generates(ollama)[0]).toEqual({
        model: 'qwen3:0.6b',
        prompt: '',
        stream: false,
        keep_alive: '30m',
      });
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('heat-up and cool-down through a fake nvidia-smi: one step down, one step up, models swapped in Ollama', async () => {
    const events = recorder();
    const monitor = monitorWith({ onEvent: events.onEvent });
    const tiers: string[] = [];
    const at = async (seconds: number, temperatureC: number) => {
      t = Date.parse('2026-11-24T12:00:00.000Z') + seconds * 1000;
      smi.respond(formatNvidiaSmiCsv([{ temperatureC, memoryUsedMb: 4000 }]));
      const state = await monitor.pollOnce();
      await monitor.upkeepIdle();
      tiers.push(state.tier);
      return state;
    };
    await at(0, 60);
    expect(ollama.loaded()).toEqual(['qwen3:8b', 'qwen3:4b']); // tier model + conductor
    expect((await at(5, 80)).pending_swap).toMatchObject({ from: 'default', to: 'mid', cause: 'gpu_hot' });
    let state = await at(25, 80);
    expect(state).toMatchObject({ tier: 'mid', model: 'qwen3:4b', status: 'hot' });
    expect(state.last_swap).toMatchObject({ from: 'default', to: 'mid', at: '2026-11-24T12:00:25.000Z' });
    // The old tier model was unloaded; the new one (also the conductor here) stays.
    expect(ollama.loaded()).toEqual(['qwen3:4b']);
    state = await at(30, 65);
    expect(state.status).toBe('cooldown');
    expect(state.pending_swap).toBeNull();
    for (let seconds = 35; seconds <= 170; seconds += 5) state = await at(seconds, 65);
    // cool from 30 s: window to 150 s, grace to 170 s
    expect(state).toMatchObject({ tier: 'default', model: 'qwen3:8b', status: 'ok' });
    expect(ollama.loaded()).toContain('qwen3:8b');
    expect(events.named('tier:changed').map((event) => event.payload)).toEqual([
      expect.objectContaining({ from: 'default', to: 'mid' }),
      expect.objectContaining({ from: 'mid', to: 'default', cause: 'cooled' }),
    ]);
    expect(events.named('status:changed').map((event) => (event.payload as { to: string }).to)).toEqual([
      'ok',
      'hot',
      'cooldown',
      'ok',
    ]);
    expect(new Set(tiers)).toEqual(new Set(['default', 'mid']));
  });

  it('runningGpuTasks: a hot GPU swaps at the first poll with none running, after the grace period while one runs', async () => {
    let running: number | undefined = 1;
    const monitor = monitorWith({ runningGpuTasks: async () => running });
    const at = async (seconds: number) => {
      t = Date.parse('2026-11-24T12:00:00.000Z') + seconds * 1000;
      smi.respond(formatNvidiaSmiCsv([{ temperatureC: 80, memoryUsedMb: 4000 }]));
      return monitor.pollOnce();
    };
    expect(await at(0)).toMatchObject({ tier: 'default', pending_swap: { to: 'mid' } });
    running = undefined; // unknown (the queue could not be read): still waits
    expect((await at(5)).tier).toBe('default');
    running = 0; // the last GPU task finished: the swap goes now, 15 s before the grace period ends
    expect(await at(6)).toMatchObject({ tier: 'mid', last_swap: { from: 'default', to: 'mid' } });
    // Still hot and nothing running: the next step still waits for cooldown_after_swap_secs (60 s).
    expect((await at(30)).tier).toBe('mid');
    expect((await at(66)).tier).toBe('low');
    await monitor.upkeepIdle();
  });

  it('the default tier model is [models] local unless [models.tiers] default is set', async () => {
    const local = await monitorWith({ ollama: false }, { models: { local: 'mistral:7b' } }).pollOnce();
    expect(local).toMatchObject({ tier: 'default', model: 'mistral:7b' });
    const set = await monitorWith(
      { ollama: false },
      { models: { local: 'mistral:7b', tiers: { default: 'llama3:8b' } } },
    ).pollOnce();
    expect(set).toMatchObject({ tier: 'default', model: 'llama3:8b' });
  });

  it('sums VRAM and power over GPUs but judges VRAM by the fullest one', async () => {
    smi.respond(fixture('nvidia-smi-multi-gpu-4x.csv'));
    const state = await monitorWith().pollOnce();
    expect(state.thermal).toMatchObject({
      gpu_temp_c: 78,
      vram_used_mb: 86111,
      vram_total_mb: 196560,
      power_w: 602.34,
      gpu_util_percent: 100,
      gpu_throttle: ['sw_power_cap'],
    });
    // GPU 1 is at 93.6 % (over emergency) although the sum is at 44 %.
    expect(state).toMatchObject({ tier: 'critical', status: 'hot' });
    expect(state.gpus).toHaveLength(4);
  });

  it('Ollama unreachable: reported in the state, not thrown; reachable again later', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const deadHost = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const events = recorder();
    const monitor = monitorWith({ ollama: { host: deadHost, timeoutMs: 1000 }, onEvent: events.onEvent });
    const state = await monitor.pollOnce();
    expect(state.ollama).toMatchObject({ host: deadHost, reachable: false });
    expect(state.ollama.error).toMatch(/unreachable.*ECONNREFUSED/);
    expect(state.models_loaded).toEqual([]);
    expect(state.conductor.loaded).toBeNull();
    expect(state.status).toBe('ok');
    await monitor.pollOnce();
    expect(events.named('ollama:unreachable')).toHaveLength(1);

    // A live Ollama that fails, then recovers.
    const flaky = monitorWith({ onEvent: events.onEvent });
    ollama.override('/api/ps', { status: 500, body: { error: 'llama runner process has terminated' } });
    expect((await flaky.pollOnce()).ollama).toMatchObject({ reachable: false });
    ollama.override('/api/ps', undefined);
    expect((await flaky.pollOnce()).ollama).toMatchObject({ reachable: true, error: null });
    expect(events.named('ollama:reachable')).toHaveLength(1);
  });

  it('keeps the tier model alive every 240 s and checks the conductor every 60 s', async () => {
    const monitor = monitorWith();
    const start = t;
    for (let seconds = 0; seconds <= 500; seconds += 5) {
      t = start + seconds * 1000;
      if (seconds === 100)
        ollama.setLoaded(
          ollama
            .loaded()
            .filter((name) => name !== 'qwen3:4b')
            .map((name) => ({ name })),
        );
      await monitor.pollOnce();
      await monitor.upkeepIdle();
    }
    const bodies = generates(ollama);
    const at = (model: string) =>
      ollama.requests.filter(
        (request) => request.path === '/api/generate' && (request.body as { model: string }).model === model,
      ).length;
    // tier model: at 0, 240 and 480 s
    expect(at('qwen3:8b')).toBe(3);
    // conductor: loaded at 0 s; dropped at 100 s; reloaded at the 120 s check, not before
    expect(at('qwen3:4b')).toBe(2);
    expect(bodies.every((body) => body.keep_alive === '30m' && body.options === undefined)).toBe(true);
  });

  it("unloads other tiers' models, leaves the conductor and models it does not manage", async () => {
    ollama.setLoaded([
      { name: 'qwen3:1.7b' },
      { name: 'llama3.2:3b' },
      { name: 'qwen3:4b' },
      { name: 'qwen3:0.6b' },
    ]);
    const monitor = monitorWith();
    await monitor.pollOnce();
    await monitor.upkeepIdle();
    expect(ollama.loaded().sort()).toEqual(['llama3.2:3b', 'qwen3:4b', 'qwen3:8b']);
    const unloads = generates(ollama)
      .filter((body) => body.keep_alive === 0)
      .map((body) => body.model);
    expect(unloads.sort()).toEqual(['qwen3:0.6b', 'qwen3:1.7b']);
  });

  it('training: evicts every GPU model, keeps the CPU tier and the conductor on the CPU', async () => {
    let training = false;
    ollama.setLoaded([{ name: 'qwen3:8b' }, { name: 'llama3.2:3b' }, { name: 'qwen3:4b' }]);
    const monitor = monitorWith({ isTraining: () => training });
    await monitor.pollOnce();
    await monitor.upkeepIdle();
    training = true;
    t += 5000;
    const state = await monitor.pollOnce();
    expect(state).toMatchObject({
      status: 'training',
      tier: 'critical',
      training: true,
      evict_gpu_models: true,
      use_gpu: false,
      gpu_heavy_allowed: false,
    });
    await monitor.upkeepIdle();
    // Next conductor check (60 s later) reloads the conductor on the CPU.
    t += 60_000;
    await monitor.pollOnce();
    await monitor.upkeepIdle();
    const after = await monitor.pollOnce();
    expect(after.models_loaded.map((model) => [model.name, model.vram_mb])).toEqual([
      ['qwen3:0.6b', 0],
      ['qwen3:4b', 0],
    ]);
    expect(generates(ollama).find((body) => body.model === 'qwen3:0.6b')).toMatchObject({
      keep_alive: '30m',
      options: { num_gpu: 0 },
    });
  });

  it('eco mode: the CPU tier with num_gpu 0 even on a hot GPU, never a swap', async () => {
    const events = recorder();
    const monitor = monitorWith({ onEvent: events.onEvent }, { fleet: { eco_mode: true } });
    smi.respond(fixture('nvidia-smi-rtx3080-hot-throttling.csv'));
    for (let i = 0; i < 10; i += 1) {
      t += 5000;
      expect(await monitor.pollOnce()).toMatchObject({
        status: 'eco',
        tier: 'critical',
        eco_mode: true,
        use_gpu: false,
      });
    }
    await monitor.upkeepIdle();
    expect(events.named('tier:changed')).toEqual([]);
    expect(generates(ollama)[0]).toMatchObject({ model: 'qwen3:0.6b', options: { num_gpu: 0 } });
  });

  it('a model that was never pulled: upkeep fails, is reported, and nothing throws', async () => {
    await ollama.close();
    ollama = await startFakeOllama({ pulled: ['qwen3:4b'] });
    const events = recorder();
    const monitor = monitorWith({ onEvent: events.onEvent });
    await monitor.pollOnce();
    await monitor.upkeepIdle();
    expect(events.named('upkeep:failed')).toEqual([
      expect.objectContaining({
        payload: expect.objectContaining({ action: 'keepalive', model: 'qwen3:8b' }),
      }),
    ]);
    t += 5000;
    const state = await monitor.pollOnce();
    expect(state.ollama.upkeep_error).toMatch(
      /keepalive qwen3:8b: .*HTTP 404.*not found, try pulling it first/,
    );
    expect(state.conductor).toMatchObject({ loaded: true, error: null });
  });

  it('readers that throw count as no reading, never a crash', async () => {
    const monitor = monitorWith({
      readGpus: async () => {
        throw new Error('boom');
      },
      readSystem: async () => {
        throw new Error('boom');
      },
      isTraining: () => {
        throw new Error('boom');
      },
      onEvent: () => {
        throw new Error('listener boom');
      },
    });
    const state = await monitor.pollOnce();
    expect(state).toMatchObject({ status: 'cpu_only', training: false, gpu: { available: false } });
    expect(state.thermal.cpu_load_percent).toBeNull();
  });

  it('pollOnce rejects with HW_STATE_WRITE_FAILED when the file cannot be written; the loop reports it and goes on', async () => {
    const blocker = path.join(home, 'blocker');
    writeFileSync(blocker, 'x');
    const events = recorder();
    const monitor = monitorWith(
      { paths: { hwState: path.join(blocker, 'hw_state.json') }, onEvent: events.onEvent, now: Date.now },
      { thermal: { poll_interval_secs: 0.02 } },
    );
    await expect(monitor.pollOnce()).rejects.toSatisfy((error) => HwMonitorError.isInstance(error));
    monitor.start();
    await vi.waitFor(() => expect(events.named('poll:failed').length).toBeGreaterThanOrEqual(2), {
      timeout: 5000,
    });
    await monitor.stop();
    expect((events.named('poll:failed')[0]?.payload as { error: HwMonitorError }).error.code).toBe(
      'HW_STATE_WRITE_FAILED',
    );
  });

  it('start() polls every poll_interval_secs until stop()', async () => {
    const monitor = monitorWith({ now: Date.now, ollama: false }, { thermal: { poll_interval_secs: 0.02 } });
    monitor.start();
    monitor.start(); // a second start does nothing
    await vi.waitFor(() => expect(monitor.state()).toBeDefined(), { timeout: 5000 });
    const first = monitor.state()?.updated_at;
    await vi.waitFor(() => expect(monitor.state()?.updated_at).not.toBe(first), { timeout: 5000 });
    await monitor.stop();
    const calls = smi.calls().length;
    const last = readFileSync(path.join(home, 'hw_state.json'), 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(smi.calls().length).toBe(calls);
    expect(readFileSync(path.join(home, 'hw_state.json'), 'utf8')).toBe(last);
    expect(monitor.state()?.ollama).toMatchObject({ reachable: false, error: 'Ollama upkeep is disabled' });
  });
});
