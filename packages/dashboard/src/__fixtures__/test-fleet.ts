// Test helper (not exported from the package): a real fleet home in a temp folder, with a real SQLite
// fleet DB, a usage ledger and a dashboard over them.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type FleetConfig, type FleetConfigInput, type FleetPaths, fleetPaths, parseFleetConfig } from '@biged/core';
import type { HwState } from '@biged/hw-monitor';
import { hwStateFixture as sharedHwStateFixture } from '@biged/hw-monitor/test';
import { createQueue, createUsageLedger, type TaskQueue, type UsageLedger } from '@biged/queue';
import { createDashboard, type Dashboard, type DashboardStreamOptions } from '../create-dashboard';
import type { FleetControl } from '../fleet-control';

/** A token tests use. */
export const TEST_TOKEN = 'a'.repeat(64);

export interface TestFleet {
  home: string;
  paths: FleetPaths;
  config: FleetConfig;
  queue: TaskQueue;
  ledger: UsageLedger;
  dashboard: Dashboard;
  /** Moves the dashboard's and the queue's clock. */
  clock: { now: number };
  cleanup(): void;
}

export function createTestFleet(
  options: {
    config?: FleetConfigInput;
    control?: FleetControl;
    hosts?: string[];
    stream?: DashboardStreamOptions;
  } = {},
): TestFleet {
  const home = mkdtempSync(path.join(tmpdir(), 'biged-dashboard-'));
  const paths = fleetPaths(home);
  mkdirSync(paths.knowledge, { recursive: true });
  const { config } = parseFleetConfig(options.config ?? {});
  const clock = { now: Date.parse('2026-11-30T12:00:00Z') };
  const queue = createQueue({ file: paths.db, clock: () => clock.now });
  const ledger = createUsageLedger({ queue });
  const dashboard = createDashboard({
    queue,
    ledger,
    paths,
    config,
    token: TEST_TOKEN,
    now: () => clock.now,
    ...(options.control ? { control: options.control } : {}),
    ...(options.hosts ? { hosts: options.hosts } : {}),
    ...(options.stream ? { stream: options.stream } : {}),
  });
  return {
    home,
    paths,
    config,
    queue,
    ledger,
    dashboard,
    clock,
    cleanup() {
      dashboard.close();
      queue.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A complete hw_state.json: the shared fixture, warm at the mid tier. */
export function hwStateFixture(overrides: Partial<HwState> = {}): HwState {
  return sharedHwStateFixture({
    status: 'warm',
    tier: 'mid',
    model: 'qwen3:4b',
    reasons: ['gpu 78C over 75C sustained'],
    thermal: {
      gpu_temp_c: 78,
      cpu_temp_c: 60,
      vram_used_mb: 6000,
      vram_total_mb: 8192,
      power_w: 150,
      gpu_util_percent: 90,
      cpu_load_percent: 30,
      ram_used_mb: 8000,
      ram_total_mb: 32000,
      gpu_throttle: [],
    },
    pid: 1234,
    updated_at: '2026-11-30T11:59:58.000Z',
    ...overrides,
  });
}
