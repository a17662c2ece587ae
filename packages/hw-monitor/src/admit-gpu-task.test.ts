import { describe, expect, it } from 'vitest';
import { admitGpuTask, normalizeModelName } from './admit-gpu-task';

const vram = { emergency: 0.92, high: 0.85, restore: 0.6 };
const total = 10_000;

describe('admitGpuTask', () => {
  it.each([
    // [label, model, loaded, used, size?, admit, reason pattern]
    [
      'loaded model, VRAM low',
      'qwen3:8b',
      ['qwen3:8b'],
      5000,
      undefined,
      true,
      /is loaded already; VRAM at 50%/,
    ],
    [
      'loaded model, VRAM over high (still no new VRAM needed)',
      'qwen3:8b',
      ['qwen3:8b'],
      8800,
      undefined,
      true,
      /loaded already/,
    ],
    [
      'loaded model, VRAM at emergency',
      'qwen3:8b',
      ['qwen3:8b'],
      9200,
      undefined,
      false,
      /emergency threshold \(92%\)/,
    ],
    [
      'new model, VRAM below high',
      'qwen3:4b',
      ['qwen3:8b'],
      5000,
      undefined,
      true,
      /fits: VRAM at 50%, below the high threshold \(85%\)/,
    ],
    [
      'new model, VRAM at high',
      'qwen3:4b',
      ['qwen3:8b'],
      8500,
      undefined,
      false,
      /would thrash; run tasks for the loaded models first \(qwen3:8b\)/,
    ],
    [
      'new model whose size would pass high',
      'qwen3:4b',
      ['qwen3:8b'],
      6000,
      3000,
      false,
      /~3000 MiB\) would take VRAM to 90%/,
    ],
    ['new model whose size fits', 'qwen3:4b', ['qwen3:8b'], 2000, 3000, true, /fits/],
    ['nothing loaded, VRAM at high', 'qwen3:4b', [], 9000, undefined, false, /loaded models first \(none\)/],
  ] as const)('%s', (_label, model, loadedModels, vramUsedMb, modelSizeMb, admit, reason) => {
    const result = admitGpuTask({ model, loadedModels, vramUsedMb, vramTotalMb: total, modelSizeMb, vram });
    expect(result.admit).toBe(admit);
    expect(result.reason).toMatch(reason);
    expect(result.loaded).toBe(loadedModels.includes(model as never));
  });

  it.each([
    ['no GPU (total null)', null, null],
    ['total 0', 0, 0],
    ['used unknown', null, 10_000],
    ['used negative', -5, 10_000],
    ['NaN', Number.NaN, 10_000],
  ])('%s: admits, nothing to guard', (_label, used, totalMb) => {
    const result = admitGpuTask({
      model: 'qwen3:4b',
      loadedModels: [],
      vramUsedMb: used,
      vramTotalMb: totalMb,
      vram,
    });
    expect(result).toMatchObject({ admit: true, loaded: false });
    expect(result.reason).toMatch(/no VRAM reading/);
  });

  it('matches Ollama names: case, and a missing tag meaning :latest', () => {
    const request = { vramUsedMb: 9000, vramTotalMb: total, vram };
    expect(admitGpuTask({ ...request, model: 'Llama3', loadedModels: ['llama3:latest'] })).toMatchObject({
      admit: true,
      loaded: true,
    });
    expect(admitGpuTask({ ...request, model: 'llama3:8b', loadedModels: ['llama3:latest'] }).loaded).toBe(
      false,
    );
  });

  it.each([
    ['qwen3', 'qwen3:latest'],
    ['QWEN3:8B', 'qwen3:8b'],
    ['hf.co/user/model', 'hf.co/user/model:latest'],
    ['localhost:5000/model', 'localhost:5000/model:latest'],
    ['localhost:5000/model:q4', 'localhost:5000/model:q4'],
  ])('normalizeModelName(%s) = %s', (name, expected) => {
    expect(normalizeModelName(name)).toBe(expected);
  });
});
