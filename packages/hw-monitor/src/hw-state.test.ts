import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HwMonitorError } from './errors';
import { type HwState, readHwState, writeHwState } from './hw-state';
import { hwStateFixture } from './test/hw-state-fixture';

const sampleState = (overrides: Partial<HwState> = {}): HwState =>
  hwStateFixture({
    thermal: {
      gpu_temp_c: 45,
      cpu_temp_c: null,
      vram_used_mb: 1024,
      vram_total_mb: 10240,
      power_w: 25.1,
      gpu_util_percent: 3,
      cpu_load_percent: 12,
      ram_used_mb: 4096,
      ram_total_mb: 32768,
      gpu_throttle: [],
    },
    ollama: {
      host: 'http://localhost:11434',
      reachable: true,
      error: null,
      last_keepalive_at: null,
      upkeep_error: null,
    },
    updated_at: new Date(0).toISOString(),
    ...overrides,
  });

describe('hw_state.json', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'biged-hw-state-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes and reads back, creating the folder, leaving no temp file', async () => {
    const file = path.join(dir, 'home', 'hw_state.json');
    await writeHwState(file, sampleState());
    expect(readHwState(file)).toEqual(sampleState());
    expect(readdirSync(path.dirname(file))).toEqual(['hw_state.json']);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['half a file', JSON.stringify(sampleState()).slice(0, 120)],
    ['not an object', '[1, 2]'],
    ['null', 'null'],
    ['no status', JSON.stringify({ ...sampleState(), status: undefined })],
    ['no thermal', JSON.stringify({ ...sampleState(), thermal: 'hot' })],
    ['models_loaded not a list', JSON.stringify({ ...sampleState(), models_loaded: {} })],
  ])('readHwState: %s file -> undefined, no throw', (_label, content) => {
    const file = path.join(dir, 'hw_state.json');
    if (content !== undefined) writeFileSync(file, content);
    expect(readHwState(file)).toBeUndefined();
  });

  it('readHwState on a folder -> undefined', () => {
    expect(readHwState(dir)).toBeUndefined();
  });

  it('a write that cannot happen throws HW_STATE_WRITE_FAILED and leaves no temp file', async () => {
    const blocker = path.join(dir, 'not-a-folder');
    writeFileSync(blocker, 'x');
    const file = path.join(blocker, 'hw_state.json');
    let thrown: unknown;
    try {
      await writeHwState(file, sampleState());
    } catch (error) {
      thrown = error;
    }
    expect(HwMonitorError.isInstance(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'HW_STATE_WRITE_FAILED', file });

    const readOnly = path.join(dir, 'target-is-a-folder');
    mkdirSync(path.join(readOnly, 'hw_state.json'), { recursive: true });
    await expect(writeHwState(path.join(readOnly, 'hw_state.json'), sampleState())).rejects.toMatchObject({
      code: 'HW_STATE_WRITE_FAILED',
    });
    expect(readdirSync(readOnly)).toEqual(['hw_state.json']);
  });

  it('a reader in another process never sees a half-written file', async () => {
    const file = path.join(dir, 'hw_state.json');
    const stop = path.join(dir, 'stop');
    // A big state (64 GPUs) so a non-atomic write would be caught mid-way.
    const gpus = Array.from({ length: 64 }, (_, index) => ({
      index,
      name: `NVIDIA H200 #${index}`,
      temp_c: 40,
      vram_used_mb: 1000,
      vram_total_mb: 143771,
      util_percent: 0,
      power_w: 75,
      power_limit_w: 700,
      sm_clock_mhz: 345,
      throttle_reasons: ['gpu_idle'],
    }));
    await writeHwState(file, sampleState({ gpus }));

    const readerScript = `
      const fs = require('node:fs');
      const [file, stop] = process.argv.slice(1);
      let reads = 0, failures = 0; const seen = new Set(); let sample = '';
      fs.writeFileSync(stop + '.ready', '');
      while (!fs.existsSync(stop)) {
        let text;
        try { text = fs.readFileSync(file, 'utf8'); } catch (error) { failures++; sample = String(error); continue; }
        reads++;
        try { const state = JSON.parse(text); seen.add(state.updated_at); if (state.gpus.length !== 64) { failures++; sample = 'gpus cut'; } }
        catch { failures++; sample = text.slice(0, 40); }
      }
      process.stdout.write(JSON.stringify({ reads, failures, distinct: seen.size, sample }));
    `;
    const reader = spawn(process.execPath, ['-e', readerScript, file, stop], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    reader.stdout.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => reader.on('exit', resolve));
    // Start writing only once the reader is in its loop.
    await vi.waitFor(() => expect(existsSync(`${stop}.ready`)).toBe(true), { timeout: 20_000, interval: 10 });

    for (let i = 1; i <= 400; i += 1) {
      await writeHwState(file, sampleState({ gpus, updated_at: new Date(i * 1000).toISOString() }));
    }
    writeFileSync(stop, '');
    expect(await exited).toBe(0);
    const result = JSON.parse(output) as {
      reads: number;
      failures: number;
      distinct: number;
      sample: string;
    };
    expect(result.failures, result.sample).toBe(0);
    expect(result.reads).toBeGreaterThan(0);
    // The reader really ran during the writes: it saw several versions of the file.
    expect(result.distinct).toBeGreaterThan(1);
  }, 30_000);
});
