import { describe, expect, it } from 'vitest';
import { addRatios, bestPeer, formatReport } from './report.mjs';

function throughputRow(system, workers, jobsPerSec, extra = {}) {
  return {
    system,
    label: system,
    workers,
    settings: `${system} settings`,
    status: 'measured',
    jobsPerSec,
    seconds: 1,
    enqueuePerSec: 1000,
    ...extra,
  };
}

function latencyRow(system, p50, p99) {
  return {
    system,
    label: system,
    workers: 4,
    settings: `${system} settings`,
    status: 'measured',
    startMs: { count: 300, p50, p99, max: p99 },
  };
}

function results({ throughput, latency = [] }) {
  return {
    kind: 'queue-peers',
    date: '2026-12-01T05:00:00.000Z',
    quick: false,
    jobs: 20000,
    latencyPlan: { count: 300, gapMs: 10, workers: 4 },
    machine: {
      cpus: 2,
      cpuModel: 'test cpu',
      memoryGiB: 24,
      platform: 'linux',
      release: '6',
      node: '20.20.2',
      loadBefore: [0.5, 0.4, 0.3],
      loadAfter: [1.5, 0.8, 0.4],
    },
    servers: {
      postgres: { source: 'throwaway', version: '15.18', fsync: 'off', synchronous_commit: 'off' },
      redis: { error: 'redis-server not installed' },
    },
    versions: { 'graphile-worker': '0.17.3' },
    throughput,
    latency,
  };
}

describe('bestPeer', () => {
  it('picks the fastest measured peer, never a BigEd row or an unmeasured one', () => {
    const rows = [
      throughputRow('biged-postgres', 4, 50_000),
      throughputRow('graphile-worker', 4, 8000),
      throughputRow('pg-boss', 4, 9000, { status: 'not measured', reason: 'x', jobsPerSec: undefined }),
      throughputRow('bullmq', 16, 12_000),
    ];
    expect(bestPeer(rows, 4)?.system).toBe('graphile-worker');
    expect(bestPeer(rows)?.system).toBe('bullmq');
    expect(bestPeer(rows, 1)).toBeNull();
  });
});

describe('addRatios', () => {
  it('gives each BigEd row its ratio to the best peer at its worker count and of the whole run', () => {
    const run = addRatios(
      results({
        throughput: [
          throughputRow('biged-postgres', 1, 3000),
          throughputRow('biged-postgres', 4, 6000),
          throughputRow('graphile-worker', 4, 8000),
          throughputRow('pg-boss', 4, 4000),
          throughputRow('bullmq', 50, 10_000),
        ],
      }),
    );
    const [one, four] = run.throughput;
    expect(one.vsSameWorkers).toBeNull();
    expect(one.vsBestOfRun.ratio).toBeCloseTo(0.3);
    expect(four.vsSameWorkers.ratio).toBeCloseTo(0.75);
    expect(four.vsSameWorkers.peer).toBe('graphile-worker (graphile-worker settings)');
    expect(four.vsBestOfRun.ratio).toBeCloseTo(0.6);
    expect(run.throughput[2].vsSameWorkers).toBeUndefined();
    expect(run.acceptance).toMatchObject({ met: true, bestPeer: 'bullmq (bullmq settings)' });
    expect(run.acceptance.ratio).toBeCloseTo(0.6);
  });

  it('reports the acceptance as not met below 0.5x and as unknown when the row was not measured', () => {
    const slow = addRatios(
      results({
        throughput: [throughputRow('biged-postgres', 4, 3999), throughputRow('graphile-worker', 4, 8000)],
      }),
    );
    expect(slow.acceptance.met).toBe(false);
    const missing = addRatios(
      results({
        throughput: [
          { ...throughputRow('biged-postgres', 4, 0), status: 'not measured', reason: 'not built' },
          throughputRow('graphile-worker', 4, 8000),
        ],
      }),
    );
    expect(missing.acceptance).toMatchObject({ ratio: null, met: null });
  });

  it('compares start latency with the peer that has the lowest p50', () => {
    const run = addRatios(
      results({
        throughput: [],
        latency: [
          latencyRow('biged-postgres', 2, 10),
          latencyRow('graphile-worker', 4, 20),
          latencyRow('pg-boss', 250, 500),
        ],
      }),
    );
    expect(run.latency[0].vsFastestPeer).toEqual({ peer: 'graphile-worker', p50: 0.5, p99: 0.5 });
  });
});

describe('formatReport', () => {
  it('prints measured figures, ratios, why a row was not measured, and the acceptance line', () => {
    const markdown = formatReport(
      addRatios(
        results({
          throughput: [
            throughputRow('biged-postgres', 4, 6123.4, { claimMs: { p50: 1.234, p99: 15.67 } }),
            throughputRow('graphile-worker', 4, 8000),
            {
              ...throughputRow('bullmq', 50, 0),
              status: 'not measured',
              reason: 'redis-server not installed',
            },
          ],
          latency: [latencyRow('biged-postgres', 2, 10), latencyRow('graphile-worker', 4, 20)],
        }),
      ),
    );
    expect(markdown).toContain(
      '| biged-postgres | 4 | biged-postgres settings | 6,123 | 0.77x | 0.77x | 1,000 | 1.23 / 15.7 |',
    );
    expect(markdown).toContain(
      '| bullmq | 50 | bullmq settings | not measured: redis-server not installed |',
    );
    expect(markdown).toContain(
      '| biged-postgres | 4 | biged-postgres settings | 2.00 | 10.0 | 10.0 | 0.50x / 0.50x |',
    );
    expect(markdown).toContain('- Redis: not available (redis-server not installed)');
    expect(markdown).toContain('before 0.50 / 0.40 / 0.30, after 1.50 / 0.80 / 0.40');
    expect(markdown).toContain(
      'biged-postgres at 4 workers >= 0.5x the best peer of the run: 0.77x of graphile-worker (graphile-worker settings): met.',
    );
    expect(markdown).not.toContain('quick smoke run');
  });
});
