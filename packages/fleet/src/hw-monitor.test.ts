import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type HwState, readHwState } from '@biged/hw-monitor';
import {
  createFakeNvidiaSmi,
  type FakeNvidiaSmi,
  type FakeOllama,
  formatNvidiaSmiCsv,
  startFakeOllama,
} from '@biged/hw-monitor/test';
import { createUsageLedger } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { isProcessAlive } from './supervisor-state';
import { closedPort, startTestFleet, type TestFleet, waitFor, waitForStatus } from './test-helpers';

// The hardware monitor as the fleet runs it: a real monitor process forked by the supervisor, a fake
// nvidia-smi first on its PATH, and a fake Ollama at BIGED_OLLAMA_HOST.

let fleet: TestFleet | undefined;
let smi: FakeNvidiaSmi | undefined;
let ollama: FakeOllama | undefined;
let emptyDir: string | undefined;
afterEach(async () => {
  await fleet?.stop();
  fleet?.home.cleanup();
  await ollama?.close();
  smi?.cleanup();
  if (emptyDir) rmSync(emptyDir, { recursive: true, force: true });
  fleet = smi = ollama = emptyDir = undefined;
});

const toml = (extra = '') => `
[fleet]
heartbeat_interval_secs = 0.2
stale_check_interval_secs = 1
status_interval_secs = 0.3
[thermal]
poll_interval_secs = 0.5
cpu_temp_enabled = false
${extra}
[models]
local = "tiny"
[workers]
roles = ["coder"]
coder_count = 1
shutdown_grace_secs = 2
[router]
max_retries = 0
min_gap_ms = 0
`;

/** An idle RTX 3080 drawing 250 W, and an Ollama that answers /api/chat (what the `local` provider calls). */
async function startFakes() {
  smi = createFakeNvidiaSmi({ stdout: formatNvidiaSmiCsv([{ powerDrawW: 250 }]) });
  ollama = await startFakeOllama();
  ollama.override('/api/chat', {
    status: 200,
    body: {
      model: 'qwen3:8b',
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: 'hi there' },
      done: true,
      done_reason: 'stop',
      total_duration: 1000,
      prompt_eval_count: 3,
      eval_count: 2,
    },
  });
  return { ...smi.env, BIGED_OLLAMA_HOST: ollama.url };
}

const stateOf = (current: TestFleet, check: (state: HwState) => boolean) =>
  waitFor(
    () => {
      const state = readHwState(current.home.hwState);
      return state && check(state) ? state : undefined;
    },
    20_000,
    'hw_state.json',
  );

const statusMd = (current: TestFleet) => readFileSync(current.home.status, 'utf8');

describe('the hardware monitor process under the supervisor', () => {
  it("writes hw_state.json, STATUS.md shows it, workers ask for the state's model ([models] local at the default tier) and book its energy", async () => {
    fleet = await startTestFleet(toml(), { env: await startFakes() });
    const monitorPid = fleet.supervisor.hwMonitor()?.pid;
    expect(monitorPid).toBeGreaterThan(0);
    const state = await stateOf(fleet, (candidate) => candidate.pid === monitorPid);
    expect(state).toMatchObject({
      status: 'ok',
      tier: 'default',
      // The default tier's model is [models] local, as [models.tiers] does not set one.
      model: 'tiny',
      gpu: { available: true },
      thermal: { gpu_temp_c: 40, power_w: 250 },
      ollama: { host: ollama!.url, reachable: true },
    });
    expect(smi!.calls().length).toBeGreaterThan(0);
    await waitFor(
      () =>
        statusMd(fleet!).includes(
          '\nHardware: ok, tier default (tiny), GPU 40 °C, VRAM 512/10240 MiB, 250 W, Ollama reachable.\n',
        ),
      10_000,
      'the Hardware line in STATUS.md',
    );

    // A worker reads hw_state.json at most once per poll interval (0.5 s here), so one interval after the
    // file appeared every worker has seen it (its last read may have come just before the first write).
    await sleep(500);
    // The worker asks for the state's model: "tiny" here; lower tiers' models in worker.test.ts.
    const task = fleet.queue.enqueue({ skill: 'test_model_hello', payload: {} });
    const done = await waitForStatus(fleet.queue, task.id, 'DONE', 20_000);
    expect(done.result).toMatchObject({ text: 'hi there', provider: 'local' });
    const chats = ollama!.requests.filter((request) => request.path === '/api/chat');
    expect(chats.map((request) => (request.body as { model: string }).model)).toEqual(['tiny']);
    // A GPU tier: Ollama places the model (no num_gpu).
    expect((chats[0]?.body as { options?: Record<string, unknown> }).options).toEqual({
      num_predict: 8,
      temperature: 0,
    });
    // 250 W at the call's start and end, over its latency (rounded to whole ms in the ledger).
    const [row] = createUsageLedger({ queue: fleet.queue }).listUsage({ skill: 'test_model_hello' });
    expect(row).toMatchObject({ provider: 'local', model: 'tiny', ok: true });
    expect(row!.energyWh).toBeGreaterThan(0);
    expect(Math.abs(row!.energyWh! - (250 * row!.latencyMs!) / 3_600_000)).toBeLessThanOrEqual(
      (250 * 0.5) / 3_600_000 + 1e-12,
    );
  }, 60_000);

  it('eco mode (a CPU tier): workers ask for the CPU tier model with Ollama num_gpu 0', async () => {
    fleet = await startTestFleet(toml().replace('[fleet]\n', '[fleet]\neco_mode = true\n'), {
      env: await startFakes(),
    });
    await stateOf(fleet, (state) => state.tier === 'critical' && state.use_gpu === false);
    await sleep(500); // one poll interval: every worker has read the state
    const task = fleet.queue.enqueue({ skill: 'test_model_hello', payload: {} });
    await waitForStatus(fleet.queue, task.id, 'DONE', 20_000);
    const chats = ollama!.requests
      .filter((request) => request.path === '/api/chat')
      .map((request) => request.body as { model: string; options?: { num_gpu?: number } });
    expect(chats).toEqual([
      expect.objectContaining({
        model: 'qwen3:0.6b',
        options: { num_predict: 8, temperature: 0, num_gpu: 0 },
      }),
    ]);
  }, 60_000);

  it('a killed monitor process is respawned and writes the state again', async () => {
    fleet = await startTestFleet(toml(), { env: await startFakes() });
    const first = fleet.supervisor.hwMonitor()!.pid!;
    await stateOf(fleet, (state) => state.pid === first);
    process.kill(first, 'SIGKILL');
    const respawned = await waitFor(
      () => {
        const monitor = fleet!.supervisor.hwMonitor();
        return monitor?.pid && monitor.pid !== first ? monitor : undefined;
      },
      20_000,
      'a respawned monitor',
    );
    expect(respawned.restarts).toBeGreaterThanOrEqual(1);
    expect(isProcessAlive(first)).toBe(false);
    await stateOf(fleet, (state) => state.pid === respawned.pid);
    // Stopping the fleet stops the monitor too.
    const home = fleet.home;
    await fleet.stop();
    fleet = undefined;
    expect(isProcessAlive(respawned.pid)).toBe(false);
    home.cleanup();
  }, 60_000);

  it('no nvidia-smi and no Ollama: a CPU-only state, and the fleet runs (GPU-heavy skills too)', async () => {
    emptyDir = mkdtempSync(path.join(tmpdir(), 'biged-no-gpu-'));
    const closed = `http://127.0.0.1:${await closedPort()}`;
    fleet = await startTestFleet(toml('gpu_heavy_skills = ["test_record"]'), {
      env: { ...process.env, PATH: emptyDir, BIGED_OLLAMA_HOST: closed },
    });
    const state = await stateOf(fleet, () => true);
    expect(state).toMatchObject({
      status: 'cpu_only',
      tier: 'critical',
      model: 'qwen3:0.6b',
      use_gpu: false,
      gpu_heavy_allowed: true,
      gpu: { available: false },
      ollama: { host: closed, reachable: false },
    });
    expect(state.gpu.reason).toContain('nvidia-smi');
    await waitFor(
      () =>
        /\nHardware: cpu_only, tier critical \(qwen3:0\.6b\), CPU only, Ollama unreachable \(.+\)\.\n/.test(
          statusMd(fleet!),
        ),
      10_000,
      'the CPU-only Hardware line',
    );
    const runs = path.join(fleet.home.home, 'runs.txt');
    const task = fleet.queue.enqueue({ skill: 'test_record', payload: { file: runs } });
    await waitForStatus(fleet.queue, task.id, 'DONE', 20_000);
  }, 60_000);

  it('[fleet] hw_monitor = false: no monitor process, STATUS.md says so', async () => {
    fleet = await startTestFleet(toml().replace('[fleet]\n', '[fleet]\nhw_monitor = false\n'));
    expect(fleet.supervisor.hwMonitor()).toBeUndefined();
    await waitFor(
      () => statusMd(fleet!).includes('\nHardware: monitor off ([fleet] hw_monitor = false).\n'),
      10_000,
      'the monitor-off line',
    );
    expect(readHwState(fleet.home.hwState)).toBeUndefined();
  }, 60_000);

  it('runSupervisor({ hwMonitor: false }) runs none even when fleet.toml asks for it (biged up --no-hw)', async () => {
    fleet = await startTestFleet(toml(), { hwMonitor: false });
    expect(fleet.supervisor.hwMonitor()).toBeUndefined();
    await waitFor(
      () => statusMd(fleet!).includes('\nHardware: monitor off (disabled by the caller).\n'),
      10_000,
      'the monitor-off line',
    );
    expect(readHwState(fleet.home.hwState)).toBeUndefined();
  }, 60_000);
});
