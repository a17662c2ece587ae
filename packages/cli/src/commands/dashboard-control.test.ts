import { mkdirSync, writeFileSync } from 'node:fs';
import { fleetPaths, loadConfig } from '@biged/core';
import type { TempHome } from '@biged/core/test';
import { createDashboard, type Dashboard } from '@biged/dashboard';
import { runSupervisor, type Supervisor, supervisorStatePath } from '@biged/fleet';
import { createQueue, createUsageLedger, type TaskQueue } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { initHome } from '../test-utils';
import { createDashboardFleetControl } from './dashboard-control';

const FLEET = `
[fleet]
hw_monitor = false
heartbeat_interval_secs = 0.2
status_interval_secs = 0.5
[workers]
roles = ["coder"]
coder_count = 2
shutdown_grace_secs = 2
`;
const TOKEN = 'c'.repeat(64);

let home: TempHome | undefined;
let queue: TaskQueue | undefined;
let dashboard: Dashboard | undefined;
let stopFleet: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopFleet?.();
  stopFleet = undefined;
  dashboard?.close();
  dashboard = undefined;
  queue?.close();
  queue = undefined;
  home?.cleanup();
  home = undefined;
});

async function dashboardFor(target: TempHome, timeoutMs?: number) {
  const paths = fleetPaths(target.home);
  const { config } = loadConfig({ file: paths.config });
  queue = createQueue({ file: paths.db });
  dashboard = createDashboard({
    queue,
    ledger: createUsageLedger({ queue }),
    paths,
    config,
    token: TOKEN,
    control: await createDashboardFleetControl({
      queue,
      home: target.home,
      ...(timeoutMs ? { timeoutMs } : {}),
    }),
  });
  const app = dashboard.app;
  return async (url: string) => {
    const response = await app.request(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    return {
      status: response.status,
      body: (await response.json()) as {
        ok?: boolean;
        message?: string;
        error?: { code: string; message: string };
      },
    };
  };
}

async function startFleet(target: TempHome): Promise<Supervisor> {
  const controller = new AbortController();
  let supervisor: Supervisor | undefined;
  const running = runSupervisor({
    home: target.home,
    signal: controller.signal,
    hwMonitor: false,
    onReady: (ready) => {
      supervisor = ready;
    },
  });
  running.catch(() => {});
  stopFleet = async () => {
    controller.abort();
    await running.catch(() => {});
  };
  const deadline = Date.now() + 30_000;
  while (!supervisor) {
    if (Date.now() > deadline) throw new Error('fleet not ready in 30 s');
    await Promise.race([new Promise((resolve) => setTimeout(resolve, 25)), running]);
  }
  return supervisor;
}

describe('dashboard process control over the supervisor (biged dashboard wiring)', () => {
  it('answers 503 "fleet not running" without a supervisor, then stops, starts and restarts a real fleet', async () => {
    home = await initHome(FLEET);
    const post = await dashboardFor(home);
    const down = await post('/api/fleet/start');
    expect(down.status).toBe(503);
    expect(down.body.error).toMatchObject({ code: 'DASHBOARD_FLEET_NOT_RUNNING' });
    expect(down.body.error?.message).toContain('fleet not running');

    const supervisor = await startFleet(home);
    const pids = () => supervisor.workers().map((worker) => worker.pid);
    const before = pids();
    expect(await post('/api/fleet/worker/coder_2/restart')).toEqual({
      status: 200,
      body: { ok: true, message: 'restarted coder_2' },
    });
    expect(pids()[0]).toBe(before[0]);
    expect(pids()[1]).not.toBe(before[1]);
    expect(await post('/api/fleet/worker/coder_7/restart')).toMatchObject({
      status: 409,
      body: { ok: false },
    });
    expect(await post('/api/fleet/stop')).toEqual({
      status: 200,
      body: { ok: true, message: 'stopped 2 workers' },
    });
    expect(pids()).toEqual([null, null]);
    expect(await post('/api/fleet/start')).toEqual({
      status: 200,
      body: { ok: true, message: 'started 2 workers' },
    });
    expect(pids().every((pid) => pid !== null)).toBe(true);
  }, 60_000);

  it('answers 504 when the supervisor does not reply in time', async () => {
    home = await initHome(FLEET);
    mkdirSync(home.run, { recursive: true });
    // Alive (this process) and ready, but nothing reads the sup channel.
    writeFileSync(
      supervisorStatePath(home.home),
      JSON.stringify({ pid: process.pid, host: 'h', startedAt: '', ready: true, workers: [] }),
    );
    const post = await dashboardFor(home, 300);
    const late = await post('/api/fleet/stop');
    expect(late.status).toBe(504);
    expect(late.body.error).toMatchObject({ code: 'DASHBOARD_CONTROL_TIMEOUT' });
  });
});
