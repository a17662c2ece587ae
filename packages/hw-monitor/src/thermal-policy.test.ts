import { type FleetConfigInput, fleetConfigSchema } from '@biged/core';
import { describe, expect, it } from 'vitest';
import { HwMonitorError } from './errors';
import {
  createThermalPolicy,
  evaluateThermalPolicy,
  INITIAL_THERMAL_POLICY_STATE,
  type ThermalDecision,
  type ThermalReading,
  type TierSwap,
} from './thermal-policy';

// Defaults: sustained 75, burst 85, target 70, window 120 s, grace 20 s, swap cooldown 60 s,
// VRAM emergency 0.92 / high 0.85 / restore 0.6; tiers qwen3:8b / 4b / 1.7b / 0.6b.
const configOf = (input: FleetConfigInput = {}) => fleetConfigSchema.parse(input);
const s = (seconds: number) => seconds * 1000;

/** A GPU reading: temperature and VRAM fraction of a 10 GiB card. */
const gpu = (temp: number | null, vram = 0.3, extra: Partial<ThermalReading> = {}): ThermalReading => ({
  gpuAvailable: true,
  gpuTempC: temp,
  vramUsedMb: Math.round(vram * 10240),
  vramTotalMb: 10240,
  ...extra,
});
const noGpu: ThermalReading = { gpuAvailable: false };

type Step = [seconds: number, reading: ThermalReading];
interface SwapCase {
  name: string;
  steps: Step[];
  swaps: Partial<TierSwap>[];
}

/** Feeds readings at the given seconds; returns every decision and the swaps made. */
function run(steps: Step[], input: FleetConfigInput = {}) {
  const policy = createThermalPolicy({ config: configOf(input) });
  const decisions: (ThermalDecision & { t: number })[] = [];
  for (const [seconds, reading] of steps)
    decisions.push({ ...policy.evaluate(reading, s(seconds)), t: seconds });
  const swaps = decisions.filter((decision) => decision.swap).map((decision) => decision.swap as TierSwap);
  return { decisions, swaps, last: decisions.at(-1) as ThermalDecision, policy };
}

/** One reading per second from `from` to `to` (inclusive), `reading(t)` each. */
const ticks = (from: number, to: number, reading: (t: number) => ThermalReading) =>
  Array.from({ length: to - from + 1 }, (_, i): Step => [from + i, reading(from + i)]);

describe('thermal policy: the first reading', () => {
  it.each([
    ['a cool GPU', gpu(50), {}, { tier: 'default', model: 'qwen3:8b', status: 'ok', useGpu: true }],
    ['exactly at the sustained limit (not over)', gpu(75), {}, { tier: 'default', status: 'warm' }],
    ['between target and sustained', gpu(72), {}, { tier: 'default', status: 'warm' }],
    ['no GPU', noGpu, {}, { tier: 'critical', model: 'qwen3:0.6b', status: 'cpu_only', useGpu: false }],
    ['eco mode', gpu(50), { fleet: { eco_mode: true } }, { tier: 'critical', status: 'eco', useGpu: false }],
    [
      'training',
      gpu(50, 0.3, { training: true }),
      {},
      { tier: 'critical', status: 'training', evictGpuModels: true, gpuHeavyAllowed: false, useGpu: false },
    ],
    ['VRAM at emergency', gpu(50, 0.95), {}, { tier: 'critical', status: 'hot' }],
    ['custom tier models', gpu(50), { models: { tiers: { default: 'llama3:8b' } } }, { model: 'llama3:8b' }],
    [
      'the default tier follows [models] local',
      gpu(50),
      { models: { local: 'mistral:7b' } },
      { model: 'mistral:7b' },
    ],
    [
      '[models.tiers] default wins over [models] local',
      gpu(50),
      { models: { local: 'mistral:7b', tiers: { default: 'llama3:8b' } } },
      { model: 'llama3:8b' },
    ],
    [
      'below the default tier [models] local plays no part',
      noGpu,
      { models: { local: 'mistral:7b' } },
      { tier: 'critical', model: 'qwen3:0.6b' },
    ],
  ] as const)('%s', (_label, reading, input, expected) => {
    const { last } = run([[0, reading]], input);
    expect(last).toMatchObject(expected);
    expect(last.swap).toBeUndefined();
  });

  it('a hot GPU at start stays at default and schedules a step down after the grace period', () => {
    const { last } = run([[0, gpu(80)]]);
    expect(last).toMatchObject({ tier: 'default', status: 'hot' });
    expect(last.pendingSwap).toMatchObject({
      from: 'default',
      to: 'mid',
      cause: 'gpu_hot',
      notBefore: s(20),
    });
  });
});

describe('thermal policy: stepping down', () => {
  it.each<SwapCase>([
    {
      name: 'over gpu_max_sustained_c: one tier down after grace_period_secs',
      steps: [...ticks(0, 25, () => gpu(80))],
      swaps: [{ at: s(20), from: 'default', to: 'mid', cause: 'gpu_hot', immediate: false }],
    },
    {
      name: 'no running GPU tasks: the step down does not wait for the grace period',
      steps: [[0, gpu(80, 0.3, { runningGpuTasks: 0 })]],
      swaps: [{ at: 0, from: 'default', to: 'mid', cause: 'gpu_hot' }],
    },
    {
      name: 'VRAM at or over high: one tier down after grace',
      steps: ticks(0, 25, () => gpu(50, 0.86)),
      swaps: [{ at: s(20), from: 'default', to: 'mid', cause: 'vram_high' }],
    },
    {
      name: 'VRAM at emergency: straight to the CPU tier at once',
      steps: [
        [0, gpu(50)],
        [5, gpu(50, 0.93)],
      ],
      swaps: [{ at: s(5), from: 'default', to: 'critical', cause: 'vram_emergency', immediate: true }],
    },
    {
      name: 'emergency right after a swap ignores the swap cooldown',
      steps: [...ticks(0, 21, () => gpu(80)), [22, gpu(80, 0.95)]],
      swaps: [
        { at: s(20), to: 'mid', cause: 'gpu_hot' },
        { at: s(22), from: 'mid', to: 'critical', cause: 'vram_emergency', immediate: true },
      ],
    },
    {
      name: 'training starts: evict at once to the CPU tier',
      steps: [
        [0, gpu(50)],
        [5, gpu(50, 0.3, { training: true })],
      ],
      swaps: [{ at: s(5), to: 'critical', cause: 'training', immediate: true }],
    },
    {
      name: 'the GPU disappears: the CPU tier after grace',
      steps: [[0, gpu(50)], ...ticks(1, 25, () => noGpu)],
      swaps: [{ at: s(21), from: 'default', to: 'critical', cause: 'no_gpu' }],
    },
    {
      name: 'the GPU comes back within grace: no swap',
      steps: [[0, gpu(50)], ...ticks(1, 10, () => noGpu), ...ticks(11, 40, () => gpu(50))],
      swaps: [],
    },
    {
      name: 'hot, then below cooldown_target_c within grace: the step down is dropped',
      steps: [...ticks(0, 10, () => gpu(80)), ...ticks(11, 40, () => gpu(65))],
      swaps: [],
    },
    {
      name: 'hot, then merely under the limit (72 °C) within grace: the step down still happens (hysteresis)',
      steps: [...ticks(0, 10, () => gpu(80)), ...ticks(11, 40, () => gpu(72))],
      swaps: [{ at: s(20), to: 'mid', cause: 'gpu_hot' }],
    },
    {
      name: 'still hot after a swap: the next step waits for cooldown_after_swap_secs',
      steps: ticks(0, 150, () => gpu(80)),
      swaps: [
        { at: s(20), from: 'default', to: 'mid' },
        { at: s(80), from: 'mid', to: 'low' },
        { at: s(140), from: 'low', to: 'critical' },
      ],
    },
    {
      name: 'at the CPU tier nothing steps further down',
      steps: [[0, noGpu], ...ticks(1, 100, () => gpu(95, 0.9))],
      swaps: [],
    },
  ])('$name', ({ steps, swaps }) => {
    const result = run(steps);
    expect(result.swaps).toHaveLength(swaps.length);
    for (const [i, expected] of swaps.entries()) expect(result.swaps[i]).toMatchObject(expected);
  });

  it('exposes the pending swap with notBefore = the later of grace end and swap-cooldown end', () => {
    const { decisions } = run(ticks(0, 30, () => gpu(80)));
    expect(decisions[5]?.pendingSwap).toMatchObject({ to: 'mid', decidedAt: 0, notBefore: s(20) });
    expect(decisions[5]?.status).toBe('hot');
    // Swapped at 20 s; still hot at 21 s: the next step is decided but waits for 20 + 60 s.
    expect(decisions[21]?.pendingSwap).toMatchObject({
      from: 'mid',
      to: 'low',
      decidedAt: s(21),
      notBefore: s(80),
    });
  });

  it('the swap names [models] local as the default tier model it leaves', () => {
    const { swaps } = run(
      ticks(0, 20, () => gpu(80)),
      { models: { local: 'mistral:7b' } },
    );
    expect(swaps[0]).toMatchObject({ fromModel: 'mistral:7b', toModel: 'qwen3:4b' });
  });

  it('the swap names the models to load and unload', () => {
    const { swaps } = run(ticks(0, 20, () => gpu(80)));
    expect(swaps[0]).toMatchObject({ fromModel: 'qwen3:8b', toModel: 'qwen3:4b', decidedAt: 0 });
    expect(swaps[0]?.reason).toBe('GPU at 80 °C is over gpu_max_sustained_c (75 °C)');
  });
});

describe('thermal policy: swap grace for running GPU tasks and the swap cooldown', () => {
  /** A hot GPU (80 °C) with `running` GPU tasks at second t. */
  const hot = (running: (t: number) => number | undefined) => (t: number) => {
    const count = running(t);
    return gpu(80, 0.3, count === undefined ? {} : { runningGpuTasks: count });
  };
  it.each<SwapCase & { input?: FleetConfigInput }>([
    {
      name: 'GPU tasks running throughout: the step down waits the whole grace_period_secs',
      steps: ticks(
        0,
        25,
        hot(() => 2),
      ),
      swaps: [{ at: s(20), from: 'default', to: 'mid', decidedAt: 0 }],
    },
    {
      name: 'running count unknown (no queue): waits the whole grace period',
      steps: ticks(
        0,
        25,
        hot(() => undefined),
      ),
      swaps: [{ at: s(20), to: 'mid' }],
    },
    {
      name: 'the last GPU task finishes within grace: the swap goes at that tick',
      steps: ticks(
        0,
        25,
        hot((t) => (t < 8 ? 1 : 0)),
      ),
      swaps: [{ at: s(8), from: 'default', to: 'mid', decidedAt: 0 }],
    },
    {
      name: 'a task starts again after an idle tick: the swap already went, once',
      steps: ticks(
        0,
        25,
        hot((t) => (t === 3 ? 0 : 1)),
      ),
      swaps: [{ at: s(3), to: 'mid' }],
    },
    {
      name: 'no GPU task running never skips cooldown_after_swap_secs',
      steps: ticks(
        0,
        130,
        hot(() => 0),
      ),
      swaps: [
        { at: 0, from: 'default', to: 'mid' },
        { at: s(60), from: 'mid', to: 'low' },
        { at: s(120), from: 'low', to: 'critical' },
      ],
    },
    {
      name: 'custom grace_period_secs (5) and cooldown_after_swap_secs (30), tasks running',
      steps: ticks(
        0,
        70,
        hot(() => 3),
      ),
      input: { thermal: { grace_period_secs: 5, cooldown_after_swap_secs: 30 } },
      // 5 s of grace; the next step is decided at 6 s and waits for the cooldown (5 + 30), and so on.
      swaps: [
        { at: s(5), to: 'mid' },
        { at: s(35), to: 'low' },
        { at: s(65), to: 'critical' },
      ],
    },
    {
      name: 'grace longer than the swap cooldown: grace decides (tasks running)',
      steps: ticks(
        0,
        100,
        hot(() => 1),
      ),
      input: { thermal: { grace_period_secs: 40, cooldown_after_swap_secs: 10 } },
      swaps: [
        { at: s(40), to: 'mid' },
        { at: s(81), to: 'low' },
      ],
    },
    {
      name: 'cooldown_after_swap_secs = 0 and nothing running: one step per tick while hot',
      steps: ticks(
        0,
        3,
        hot(() => 0),
      ),
      input: { thermal: { cooldown_after_swap_secs: 0 } },
      swaps: [
        { at: 0, to: 'mid' },
        { at: s(1), to: 'low' },
        { at: s(2), to: 'critical' },
      ],
    },
    {
      name: 'stepping back up also waits the grace period while GPU tasks run',
      steps: [
        ...ticks(
          0,
          20,
          hot(() => 1),
        ),
        ...ticks(21, 170, () => gpu(60, 0.3, { runningGpuTasks: 1 })),
      ],
      // Cool from 21 s: window ends at 141 s, then 20 s of grace.
      swaps: [
        { at: s(20), to: 'mid' },
        { at: s(161), from: 'mid', to: 'default', cause: 'cooled' },
      ],
    },
    {
      name: 'stepping back up with nothing running goes when the window ends',
      steps: [
        ...ticks(
          0,
          20,
          hot(() => 1),
        ),
        ...ticks(21, 170, () => gpu(60, 0.3, { runningGpuTasks: 0 })),
      ],
      swaps: [
        { at: s(20), to: 'mid' },
        { at: s(141), from: 'mid', to: 'default', cause: 'cooled' },
      ],
    },
  ])('$name', ({ steps, swaps, input }) => {
    const result = run(steps, input);
    expect(result.swaps).toHaveLength(swaps.length);
    for (const [i, expected] of swaps.entries()) expect(result.swaps[i]).toMatchObject(expected);
  });
});

describe('thermal policy: stepping back up', () => {
  /** Hot until 20 s (so the mid tier from 20 s), then `after(t)`. */
  const heatThen = (to: number, after: (t: number) => ThermalReading): Step[] => [
    ...ticks(0, 20, () => gpu(80)),
    ...ticks(21, to, after),
  ];

  it.each<SwapCase>([
    {
      name: 'below cooldown_target_c and VRAM below restore for the whole window, then grace: one tier up',
      // cool from 21 s; window ends 141 s; grace ends 161 s
      steps: heatThen(170, () => gpu(60, 0.3)),
      swaps: [
        { at: s(20), to: 'mid' },
        { at: s(161), from: 'mid', to: 'default', cause: 'cooled', toModel: 'qwen3:8b' },
      ],
    },
    {
      name: 'one warm reading inside the window restarts it',
      steps: heatThen(300, (t) => gpu(t === 100 ? 71 : 60)),
      // cool again from 101 s: window to 221 s, grace to 241 s
      swaps: [{ to: 'mid' }, { at: s(241), to: 'default' }],
    },
    {
      name: 'VRAM between restore and high blocks the climb even when cool',
      steps: heatThen(400, () => gpu(60, 0.7)),
      swaps: [{ to: 'mid' }],
    },
    {
      name: 'warm (between target and sustained) never climbs',
      steps: heatThen(400, () => gpu(72)),
      swaps: [{ to: 'mid' }],
    },
    {
      name: 'a warm reading during the grace of a step up drops it',
      steps: heatThen(300, (t) => gpu(t === 150 ? 71 : 60)),
      // window met at 141, grace to 161, broken at 150: cool from 151, window to 271, grace to 291
      swaps: [{ to: 'mid' }, { at: s(291), to: 'default' }],
    },
    {
      name: 'each step up needs a whole window of its own',
      steps: [[0, noGpu], ...ticks(1, 600, () => gpu(50, 0.2))],
      // cool from 1 s: critical->low at 141, low->mid at 141+140=281, mid->default at 421
      swaps: [
        { at: s(141), from: 'critical', to: 'low' },
        { at: s(281), from: 'low', to: 'mid' },
        { at: s(421), from: 'mid', to: 'default' },
      ],
    },
    {
      name: 'after training ends the tiers climb back the normal way',
      steps: [...ticks(0, 50, () => gpu(60, 0.5, { training: true })), ...ticks(51, 250, () => gpu(60, 0.3))],
      swaps: [{ at: s(191), from: 'critical', to: 'low' }],
    },
  ])('$name', ({ steps, swaps }) => {
    const result = run(steps);
    expect(result.swaps).toHaveLength(swaps.length);
    for (const [i, expected] of swaps.entries()) expect(result.swaps[i]).toMatchObject(expected);
  });

  it('a GPU that reports no temperature climbs on VRAM alone', () => {
    const { swaps } = run([[0, noGpu], ...ticks(1, 150, () => gpu(null, 0.2))]);
    expect(swaps).toEqual([expect.objectContaining({ from: 'critical', to: 'low', at: s(141) })]);
  });

  it('eco mode never leaves the CPU tier and never swaps, however cool', () => {
    const { swaps, decisions } = run(
      ticks(0, 600, (t) => gpu(t < 300 ? 90 : 40)),
      { fleet: { eco_mode: true } },
    );
    expect(swaps).toEqual([]);
    expect(new Set(decisions.map((decision) => `${decision.tier}/${decision.status}`))).toEqual(
      new Set(['critical/eco']),
    );
  });
});

describe('thermal policy: GPU-heavy work after a burst', () => {
  it.each([
    {
      name: 'blocked above gpu_max_burst_c until a whole window below cooldown_target_c',
      steps: [[0, gpu(86)], ...ticks(1, 200, () => gpu(72)), ...ticks(201, 330, () => gpu(65))],
      // 72 °C is not below the target: the window starts at 201 s and ends at 321 s
      allowedFrom: 321,
    },
    {
      name: 'a reading at the target (not below) restarts the window',
      steps: [[0, gpu(86)], ...ticks(1, 400, (t) => gpu(t === 100 ? 70 : 65))],
      allowedFrom: 221,
    },
    {
      name: 'the GPU disappearing breaks the window',
      steps: [[0, gpu(86)], ...ticks(1, 50, () => gpu(60)), [51, noGpu], ...ticks(52, 200, () => gpu(60))],
      allowedFrom: 172,
    },
    {
      name: 'exactly at gpu_max_burst_c is not above it',
      steps: [
        [0, gpu(85)],
        [1, gpu(60)],
      ],
      allowedFrom: 0,
    },
  ] as { name: string; steps: Step[]; allowedFrom: number }[])('$name', ({ steps, allowedFrom }) => {
    const { decisions } = run(steps);
    const firstAllowedAfterBlock = decisions.find(
      (decision, i) => decision.gpuHeavyAllowed && decisions.slice(0, i).every((d) => !d.gpuHeavyAllowed),
    );
    if (allowedFrom === 0) {
      expect(decisions.every((decision) => decision.gpuHeavyAllowed)).toBe(true);
      return;
    }
    expect(decisions[0]?.gpuHeavyAllowed).toBe(false);
    expect(firstAllowedAfterBlock?.t).toBe(allowedFrom);
    expect(decisions.filter((decision) => decision.t >= allowedFrom).every((d) => d.gpuHeavyAllowed)).toBe(
      true,
    );
  });

  it('reports cooldown while held, even at the default tier', () => {
    const { decisions } = run([
      [0, gpu(86)],
      [1, gpu(60)],
    ]);
    expect(decisions[1]?.tier).toBe('default');
    expect(decisions[1]).toMatchObject({ status: 'cooldown', gpuHeavyAllowed: false });
    expect(decisions[1]?.reasons.join('\n')).toMatch(/gpu_max_burst_c \(85 °C\)/);
  });
});

describe('thermal policy: no flapping', () => {
  /** The largest number of swaps in any window of `seconds`. */
  const maxSwapsWithin = (swaps: TierSwap[], seconds: number) =>
    Math.max(
      0,
      ...swaps.map(
        (swap) => swaps.filter((other) => other.at >= swap.at && other.at < swap.at + s(seconds)).length,
      ),
    );

  it('temperature oscillating around gpu_max_sustained_c: at most one swap per cooldown window, never up', () => {
    const { swaps } = run(ticks(0, 600, (t) => gpu(t % 2 === 0 ? 76 : 74)));
    expect(swaps.length).toBeGreaterThan(0);
    expect(maxSwapsWithin(swaps, 60)).toBe(1);
    expect(swaps.every((swap) => swap.cause === 'gpu_hot')).toBe(true);
  });

  it('temperature oscillating around cooldown_target_c at a lower tier: never climbs', () => {
    const { swaps } = run([[0, noGpu], ...ticks(1, 900, (t) => gpu(t % 2 === 0 ? 71 : 69))]);
    expect(swaps).toEqual([]);
  });

  it('VRAM oscillating around high: at most one swap per cooldown window, never up', () => {
    const { swaps } = run(ticks(0, 600, (t) => gpu(50, t % 2 === 0 ? 0.86 : 0.84)));
    expect(maxSwapsWithin(swaps, 60)).toBe(1);
    expect(swaps.every((swap) => swap.cause === 'vram_high')).toBe(true);
  });

  it('noise at every threshold on every tick (seeded): never two swaps within cooldown_after_swap_secs', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const thresholds = [69, 71, 74, 76, 84, 86];
    const { swaps } = run(
      ticks(0, 3600, () =>
        gpu(thresholds[Math.floor(random() * thresholds.length)] ?? 60, random() < 0.5 ? 0.59 : 0.86),
      ),
    );
    const gaps = swaps.slice(1).map((swap, i) => swap.at - (swaps[i]?.at ?? 0));
    expect(gaps.every((gap) => gap >= s(60))).toBe(true);
  });

  it('a 2-minute heat-up and cool-down at 1 s ticks: one step down for the crossing, one step up after cooling', () => {
    // 60 -> 80 °C over 30 s, 80 °C until 60 s, back to 60 °C by 90 s, then cool.
    const temperature = (t: number) =>
      t <= 30 ? 60 + (20 * t) / 30 : t <= 60 ? 80 : t <= 90 ? 80 - (20 * (t - 60)) / 30 : 60;
    const { swaps, decisions } = run(ticks(0, 300, (t) => gpu(Math.round(temperature(t) * 10) / 10)));
    // over 75 first at 23 s -> mid at 43 s; under 70 from 76 s -> window to 196 s, grace to 216 s
    expect(swaps.map((swap) => [swap.at / 1000, swap.from, swap.to])).toEqual([
      [43, 'default', 'mid'],
      [216, 'mid', 'default'],
    ]);
    // The step further down decided while still hot was dropped once the GPU cooled below the target.
    expect(decisions.some((decision) => decision.cancelledSwap?.to === 'low')).toBe(true);
    expect(decisions.at(-1)).toMatchObject({ tier: 'default', status: 'ok', gpuHeavyAllowed: true });
  });
});

describe('thermal policy: acceptance, one tier change per crossing', () => {
  it('a 2-minute run at 1 s ticks with +-1.5 °C noise: each threshold crossing gives at most one tier change', () => {
    // Short windows so that both directions happen inside two minutes (compressed clock).
    const input: FleetConfigInput = {
      thermal: { grace_period_secs: 3, cooldown_after_swap_secs: 20, cooldown_window_secs: 10 },
    };
    // Two heat-ups 62 -> 82 °C and two cool-downs 82 -> 62 °C.
    const ramp = (t: number, t0: number, t1: number, from: number, to: number) =>
      from + ((to - from) * (t - t0)) / (t1 - t0);
    const curve = (t: number) => {
      const phase = t >= 55 ? t - 55 : t; // the second episode repeats the first 55 s later
      if (phase < 10) return 62;
      if (phase < 20) return ramp(phase, 10, 20, 62, 82);
      if (phase < 28) return 82;
      if (phase < 36) return ramp(phase, 28, 36, 82, 62);
      return 62;
    };
    let seed = 7;
    const noise = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31) * 3 - 1.5;
    };
    const { swaps } = run(
      ticks(0, 119, (t) => gpu(Math.round((curve(t) + noise()) * 10) / 10)),
      input,
    );
    // Crossings of the noise-free curve: up through gpu_max_sustained_c, down through cooldown_target_c.
    const crossings: { at: number; direction: 'hot' | 'cool' }[] = [];
    for (let t = 1; t <= 119; t += 1) {
      if (curve(t - 1) <= 75 && curve(t) > 75) crossings.push({ at: t, direction: 'hot' });
      if (curve(t - 1) >= 70 && curve(t) < 70) crossings.push({ at: t, direction: 'cool' });
    }
    expect(crossings.map((crossing) => crossing.direction)).toEqual(['hot', 'cool', 'hot', 'cool']);
    // Each swap belongs to the last crossing before it (noise can trigger a hot swap a tick or two early).
    const perCrossing = crossings.map((crossing, index) => {
      const start = crossing.at - 3;
      const end = (crossings[index + 1]?.at ?? 200) - 3;
      return swaps.filter((swap) => swap.at >= s(start) && swap.at < s(end));
    });
    expect(perCrossing.map((list) => list.length)).toEqual([1, 1, 1, 1]);
    expect(perCrossing.map((list) => [list[0]?.from, list[0]?.to])).toEqual([
      ['default', 'mid'],
      ['mid', 'default'],
      ['default', 'mid'],
      ['mid', 'default'],
    ]);
    expect(swaps).toHaveLength(4); // none before the first crossing either
  });
});

describe('thermal policy: status and purity', () => {
  it.each([
    ['CPU over cpu_max_sustained_c: hot, no tier change', gpu(50, 0.3, { cpuTempC: 90 }), {}, 'hot'],
    [
      'CPU hot but cpu_temp_enabled = false',
      gpu(50, 0.3, { cpuTempC: 90 }),
      { thermal: { cpu_temp_enabled: false } },
      'ok',
    ],
    ['lower custom limits', gpu(70), { thermal: { gpu_max_sustained_c: 65, cooldown_target_c: 60 } }, 'hot'],
  ] as const)('%s', (_label, reading, input, status) => {
    const { last } = run([[0, reading]], input);
    expect(last.status).toBe(status);
    expect(last.tier).toBe('default');
  });

  it('is a pure function of state, reading and time', () => {
    const config = configOf();
    const state = Object.freeze({ ...INITIAL_THERMAL_POLICY_STATE });
    const a = evaluateThermalPolicy({ config, state, reading: gpu(80), now: 0 });
    const b = evaluateThermalPolicy({ config, state, reading: gpu(80), now: 0 });
    expect(a).toEqual(b);
    expect(state).toEqual(INITIAL_THERMAL_POLICY_STATE);
    const later = evaluateThermalPolicy({ config, state: a.state, reading: gpu(80), now: s(20) });
    expect(later.decision.swap).toMatchObject({ to: 'mid' });
    expect(a.state.tier).toBe('default');
  });

  it.each([
    ['NaN', Number.NaN, /finite time/],
    ['earlier than the last reading', 500, /time order/],
  ])('refuses a time that is %s', (_label, now, message) => {
    const policy = createThermalPolicy({ config: configOf() });
    policy.evaluate(gpu(50), 1000);
    let thrown: unknown;
    try {
      policy.evaluate(gpu(50), now);
    } catch (error) {
      thrown = error;
    }
    expect(HwMonitorError.isInstance(thrown)).toBe(true);
    expect((thrown as HwMonitorError).code).toBe('HW_INVALID_INPUT');
    expect((thrown as Error).message).toMatch(message);
  });

  it('the policy admits GPU tasks with its own [thermal.vram] thresholds', () => {
    const policy = createThermalPolicy({ config: configOf({ thermal: { vram: { high: 0.5 } } }) });
    const request = { model: 'qwen3:4b', loadedModels: ['qwen3:8b'], vramUsedMb: 6000, vramTotalMb: 10240 };
    expect(policy.admitGpuTask(request).admit).toBe(false);
    expect(policy.admitGpuTask({ ...request, model: 'qwen3:8b' }).admit).toBe(true);
  });
});
