import { createRouter, parseFleetConfig, type UsageEntry, type UsageReservation } from '@biged/core';
import { MockModelProvider } from '@biged/core/test';
import { createLedgerUsageSink, createQueue, createUsageLedger, type TaskQueue } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { createEnergyUsageSink, type EnergyRecordingUsageSink } from './energy-usage-sink';

let queue: TaskQueue | undefined;
afterEach(() => {
  queue?.close();
  queue = undefined;
});

/** A sink that keeps what it is given; `reserve` returns a token the wrapper must hand back. */
function recordingSink() {
  const recorded: Array<UsageEntry & { energyWh?: number | null }> = [];
  const sink: EnergyRecordingUsageSink = {
    reserve: (request: UsageReservation) => ({ token: `reservation for ${request.model}` }),
    record: (entry) => {
      recorded.push(entry);
    },
  };
  return { sink, recorded };
}

const reservation = (provider: string): UsageReservation => ({
  skill: 'summarize',
  agent: 'w',
  provider,
  model: 'qwen3:8b',
  estimatedInputTokens: 10,
  estimatedOutputTokens: 0,
});

const entry = (provider: string, reserved: unknown, latencyMs: number): UsageEntry => ({
  skill: 'summarize',
  agent: 'w',
  provider,
  model: 'qwen3:8b',
  kind: 'generate',
  inputTokens: 10,
  outputTokens: 5,
  cachedTokens: 0,
  latencyMs,
  attempts: 1,
  ok: true,
  reservation: reserved,
});

describe('createEnergyUsageSink', () => {
  it('books a local call at the average of the power at its start and end, times its latency', async () => {
    const { sink, recorded } = recordingSink();
    const power = { watts: 100 as number | null | undefined };
    const energy = createEnergyUsageSink({ sink, powerW: () => power.watts });
    const reserved = await energy.reserve?.(reservation('local'));
    power.watts = 300;
    await energy.record(entry('local', reserved, 36_000));
    // (100 W + 300 W) / 2 over 36 s = 2 Wh; the inner reservation comes back unwrapped.
    expect(recorded[0]).toMatchObject({ energyWh: 2, reservation: { token: 'reservation for qwen3:8b' } });
  });

  it('uses the one reading it has, and books null (unknown) with none', async () => {
    const { sink, recorded } = recordingSink();
    const power = { watts: null as number | null | undefined };
    const energy = createEnergyUsageSink({ sink, powerW: () => power.watts });
    let reserved = await energy.reserve?.(reservation('local'));
    power.watts = 200;
    await energy.record(entry('local', reserved, 18_000));
    expect(recorded[0]?.energyWh).toBe(1);
    reserved = await energy.reserve?.(reservation('local'));
    power.watts = undefined;
    await energy.record(entry('local', reserved, 18_000));
    expect(recorded[1]?.energyWh).toBe(1);
    // Readings that are not a usable number of watts count as missing.
    for (const bad of [-5, Number.NaN, Number.POSITIVE_INFINITY]) {
      power.watts = bad;
      reserved = await energy.reserve?.(reservation('local'));
      await energy.record(entry('local', reserved, 18_000));
      expect(recorded.at(-1)?.energyWh).toBeNull();
    }
  });

  it('books no energy for external providers', async () => {
    const { sink, recorded } = recordingSink();
    const energy = createEnergyUsageSink({ sink, powerW: () => 250 });
    const reserved = await energy.reserve?.(reservation('claude'));
    await energy.record({ ...entry('claude', reserved, 1000), model: 'claude-sonnet-4-5' });
    expect(recorded[0]?.energyWh).toBeNull();
    expect(recorded[0]?.reservation).toEqual({ token: 'reservation for qwen3:8b' });
  });

  it('lets the inner sink refuse a call (budgets stay fail-closed)', async () => {
    const refusal = new Error('budget exceeded');
    const energy = createEnergyUsageSink({
      sink: {
        reserve: () => {
          throw refusal;
        },
        record: () => {},
      },
      powerW: () => 100,
    });
    await expect(energy.reserve?.(reservation('local'))).rejects.toBe(refusal);
  });

  it('with the router and the ledger: the local call row carries its energy, the Claude row none', async () => {
    queue = createQueue({ file: ':memory:' });
    const ledger = createUsageLedger({ queue });
    const config = parseFleetConfig({ budgets: { summarize: 5 }, router: { min_gap_ms: 0 } }).config;
    const router = createRouter({
      providers: [
        new MockModelProvider({ providerId: 'local' }),
        new MockModelProvider({ providerId: 'claude', isLocal: false }),
      ],
      config,
      models: { local: 'qwen3:8b', claude: 'claude-sonnet-4-5' },
      usage: createEnergyUsageSink({ sink: createLedgerUsageSink({ ledger, config }), powerW: () => 180 }),
    });
    // summarize has a budget: its local call goes through a reservation that must still settle.
    await router.call({ prompt: 'hi', skill: 'summarize' });
    await router.call({ prompt: 'hi', skill: 'code_review', provider: 'claude' });
    const [claude, local] = ledger.listUsage({});
    expect(local).toMatchObject({ provider: 'local', status: 'SETTLED', skill: 'summarize' });
    expect(local?.energyWh).toBeGreaterThanOrEqual(0);
    // The ledger's latency is rounded to whole ms; the energy used the exact one.
    expect(Math.abs(local!.energyWh! - (180 * local!.latencyMs!) / 3_600_000)).toBeLessThanOrEqual(
      (180 * 0.5) / 3_600_000 + 1e-12,
    );
    expect(claude).toMatchObject({ provider: 'claude', energyWh: null });
    expect(ledger.usageSummary({ period: 'day' }).totals.meteredCalls).toBe(1);
  });
});
