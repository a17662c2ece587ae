import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, fleetPaths, parseFleetConfig } from '@biged/core';
import { writeHwState } from '@biged/hw-monitor';
import { createQueue, createUsageLedger } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestFleet, hwStateFixture, TEST_TOKEN, type TestFleet } from './__fixtures__/test-fleet';
import type { ErrorResponse, StatusResponse, ThermalResponse } from './api-types';
import { createDashboard } from './create-dashboard';
import { DashboardError } from './errors/dashboard-error';
import type { FleetControl } from './fleet-control';

let fleet: TestFleet | undefined;
afterEach(() => {
  fleet?.cleanup();
  fleet = undefined;
});

const auth = { Authorization: `Bearer ${TEST_TOKEN}` };

async function getJson<T = Record<string, unknown>>(target: TestFleet, url: string) {
  const response = await target.dashboard.app.request(url);
  return { status: response.status, body: (await response.json()) as T };
}

describe('core status routes', () => {
  it('/api/status reports agents, task counts, alerts and thermal from the real fleet DB', async () => {
    fleet = createTestFleet();
    const { queue } = fleet;
    queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 11, status: 'IDLE' });
    queue.registerAgent({ name: 'researcher', role: 'researcher', pid: 12, status: 'IDLE' });
    const running = queue.enqueue({ skill: 'summarize', payload: { path: 'a.md' } });
    queue.enqueue({ skill: 'summarize', payload: { path: 'b.md' } });
    queue.claim({ agent: 'coder_1' });
    queue.raiseAlert({ type: 'thermal', severity: 'warning', message: 'warm', source: 'hw-monitor' });
    await writeHwState(fleet.paths.hwState, hwStateFixture());

    const { status, body } = await getJson<StatusResponse>(fleet, '/api/status');
    expect(status).toBe(200);
    expect(body.counts).toMatchObject({ PENDING: 1, RUNNING: 1, DONE: 0 });
    expect(body.totalTasks).toBe(2);
    expect(body.activeAlerts).toBe(1);
    expect(body.agents.map((agent) => [agent.name, agent.status, agent.currentTaskId])).toEqual([
      ['coder_1', 'BUSY', running.id],
      ['researcher', 'IDLE', null],
    ]);
    expect(body.thermal).toEqual({
      status: 'warm',
      tier: 'mid',
      model: 'qwen3:4b',
      updatedAt: '2026-11-30T11:59:58.000Z',
    });
  });

  it('/api/activity, /api/skills and /api/timeline summarise tasks without payloads', async () => {
    fleet = createTestFleet();
    const { queue, clock } = fleet;
    const first = queue.enqueue({ skill: 'summarize', payload: { secret_path: 'x' } });
    clock.now += 1000;
    queue.enqueue({ skill: 'web_search', payload: { query: 'q' } });
    queue.claim({ agent: 'coder_1', skills: ['summarize'] });
    clock.now += 4000;
    queue.complete(first.id, 'coder_1', { ok: true });

    const activity = await getJson<{ tasks: Array<Record<string, unknown>> }>(
      fleet,
      '/api/activity?limit=10',
    );
    expect(activity.body.tasks.map((task) => [task.skill, task.status])).toEqual([
      ['web_search', 'PENDING'],
      ['summarize', 'DONE'],
    ]);
    expect(activity.body.tasks[0]).not.toHaveProperty('payload');
    const filtered = await getJson<{ tasks: unknown[] }>(fleet, '/api/activity?status=DONE&skill=summarize');
    expect(filtered.body.tasks).toHaveLength(1);

    const skills = await getJson<{ skills: Array<Record<string, unknown>> }>(fleet, '/api/skills');
    expect(skills.body.skills).toContainEqual({
      skill: 'summarize',
      counts: { DONE: 1 },
      total: 1,
      avgDurationMs: 4000,
      lastFinishedAt: '2026-11-30T12:00:05.000Z',
    });

    const timeline = await getJson<{ tasks: Array<{ id: number }>; truncated: boolean }>(
      fleet,
      '/api/timeline?limit=1',
    );
    expect(timeline.body.tasks).toHaveLength(1);
    expect(timeline.body.truncated).toBe(true);
  });

  it('/api/fleet/* report health, uptime, idle workers and stale heartbeats', async () => {
    fleet = createTestFleet();
    const { queue, clock } = fleet;
    queue.registerAgent({ name: 'coder_1', role: 'coder', pid: 11, status: 'IDLE' });
    queue.registerAgent({ name: 'gone', role: 'coder', pid: 12, status: 'OFFLINE' });
    queue.raiseAlert({ type: 'thermal', severity: 'critical', message: 'GPU 90C', source: 'hw-monitor' });
    clock.now += 600_000; // ten minutes without a heartbeat: over the 120 s stale timeout

    const health = await getJson<Record<string, unknown>>(fleet, '/api/fleet/health');
    expect(health.body).toMatchObject({
      healthy: false,
      agents: { total: 2, online: 1, offline: 1, staleHeartbeats: 1 },
      alerts: { info: 0, warning: 0, critical: 1 },
    });
    expect(health.body.issues).toContain('1 critical alert(s) not acknowledged');

    const uptime = await getJson<{ agents: Array<Record<string, unknown>> }>(fleet, '/api/fleet/uptime');
    expect(uptime.body.agents).toContainEqual(expect.objectContaining({ name: 'coder_1', uptimeSecs: 600 }));
    expect(uptime.body.agents).toContainEqual(expect.objectContaining({ name: 'gone', uptimeSecs: null }));

    const idle = await getJson<{ idle: Array<{ name: string; idleSecs: number }> }>(
      fleet,
      '/api/fleet/idle?min_idle_secs=300',
    );
    expect(idle.body.idle).toEqual([expect.objectContaining({ name: 'coder_1', idleSecs: 600 })]);
    const notYetIdle = await getJson<{ idle: unknown[] }>(fleet, '/api/fleet/idle?min_idle_secs=3600');
    expect(notYetIdle.body.idle).toEqual([]);

    const workers = await getJson<{
      workers: Array<{ name: string; stale: boolean; heartbeatAgeSecs: number }>;
    }>(fleet, '/api/fleet/workers');
    expect(workers.body.workers.find((worker) => worker.name === 'coder_1')).toMatchObject({
      stale: true,
      heartbeatAgeSecs: 600,
    });
  });
});

describe('knowledge, thermal and cost routes', () => {
  it('/api/knowledge lists files under <home>/knowledge without following symlinks', async () => {
    fleet = createTestFleet();
    mkdirSync(path.join(fleet.paths.knowledge, 'reports'), { recursive: true });
    writeFileSync(path.join(fleet.paths.knowledge, 'reports', 'weekly.md'), 'hello');
    writeFileSync(path.join(fleet.paths.knowledge, 'notes.md'), 'abc');
    symlinkSync(fleet.home, path.join(fleet.paths.knowledge, 'escape'));

    const { body } = await getJson<{ files: Array<{ path: string; sizeBytes: number }>; totalBytes: number }>(
      fleet,
      '/api/knowledge',
    );
    expect(body.files.map((file) => file.path).sort()).toEqual(['notes.md', 'reports/weekly.md']);
    expect(body.totalBytes).toBe(8);
  });

  it('/api/thermal serves hw_state.json, the configured limits and a history of readings', async () => {
    fleet = createTestFleet({ config: { thermal: { gpu_max_sustained_c: 72 } } });
    const missing = await getJson<ThermalResponse>(fleet, '/api/thermal');
    expect(missing.body).toMatchObject({ available: false, state: null });
    expect(missing.body.reason).toMatch(/hw_state\.json/);

    await writeHwState(fleet.paths.hwState, hwStateFixture());
    fleet.clock.now += 5000;
    await writeHwState(
      fleet.paths.hwState,
      hwStateFixture({ updated_at: '2026-11-30T12:00:03.000Z', status: 'hot' }),
    );
    const { body } = await getJson<ThermalResponse>(fleet, '/api/thermal');
    expect(body.available).toBe(true);
    expect(body.state?.status).toBe('hot');
    expect(body.limits.gpuMaxSustainedC).toBe(72);
    expect(body.ageSecs).toBe(2);
    expect(body.history.map((sample) => sample.status)).toEqual(['hot']);
  });

  it('/api/usage, /api/usage/timeseries, /api/usage/budgets and /api/usage/regression read the ledger', async () => {
    fleet = createTestFleet({ config: { budgets: { summarize: 1 } } });
    const { ledger, clock } = fleet;
    const day = 86_400_000;
    ledger.recordUsage({
      skill: 'summarize',
      provider: 'claude',
      model: 'm',
      costUsd: 0.1,
      ok: true,
      now: clock.now - day - 1000,
    });
    ledger.recordUsage({
      skill: 'summarize',
      provider: 'claude',
      model: 'm',
      costUsd: 0.5,
      ok: true,
      now: clock.now - 60_000,
    });
    ledger.recordUsage({
      skill: 'summarize',
      provider: 'claude',
      model: 'm',
      costUsd: 0.25,
      ok: true,
      now: clock.now - 30_000,
    });

    const usage = await getJson<{ totals: { calls: number; costUsd: number } }>(
      fleet,
      '/api/usage?period=day',
    );
    expect(usage.body.totals).toMatchObject({ calls: 2, costUsd: 0.75 });

    const series = await getJson<{ points: Array<{ calls: number; costUsd: number }> }>(
      fleet,
      '/api/usage/timeseries?bucket=hour',
    );
    expect(series.body.points.reduce((sum, point) => sum + point.calls, 0)).toBe(2);

    const budgets = await getJson<{ budgets: Array<Record<string, unknown>> }>(fleet, '/api/usage/budgets');
    expect(budgets.body.budgets).toEqual([
      expect.objectContaining({ skill: 'summarize', limitUsd: 1, spentUsd: 0.75, exceeded: false }),
    ]);

    const regression = await getJson<{ regressions: Array<{ key: string; costDeltaPercent: number }> }>(
      fleet,
      '/api/usage/regression?threshold_percent=100',
    );
    expect(regression.body.regressions).toEqual([
      expect.objectContaining({ key: 'summarize', costDeltaPercent: 650 }),
    ]);
    const none = await getJson<{ regressions: unknown[] }>(
      fleet,
      '/api/usage/regression?threshold_percent=1000',
    );
    expect(none.body.regressions).toEqual([]);

    const delta = await getJson<{ totals: { costDeltaUsd: number } }>(
      fleet,
      '/api/usage/delta?window_hours=24',
    );
    expect(delta.body.totals.costDeltaUsd).toBeCloseTo(0.65);
  });
});

describe('alerts and process control', () => {
  it('lists active alerts and acknowledges one with the token', async () => {
    fleet = createTestFleet();
    const alert = fleet.queue.raiseAlert({
      type: 'budget',
      severity: 'warning',
      message: '80%',
      source: 'router',
    });
    const listed = await getJson<{ alerts: Array<{ id: number }> }>(fleet, '/api/alerts');
    expect(listed.body.alerts.map((entry) => entry.id)).toEqual([alert.id]);

    const response = await fleet.dashboard.app.request(`/api/alerts/ack/${alert.id}`, {
      method: 'POST',
      headers: auth,
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { alert: { acknowledgedAt: string } }).alert.acknowledgedAt).toBe(
      '2026-11-30T12:00:00.000Z',
    );
    expect((await getJson<{ alerts: unknown[] }>(fleet, '/api/alerts')).body.alerts).toEqual([]);
    expect(
      (await getJson<{ alerts: unknown[] }>(fleet, '/api/alerts?active=false')).body.alerts,
    ).toHaveLength(1);

    const unknown = await fleet.dashboard.app.request('/api/alerts/ack/999', {
      method: 'POST',
      headers: auth,
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ErrorResponse).error.code).toBe('QUEUE_ALERT_NOT_FOUND');
    const bad = await fleet.dashboard.app.request('/api/alerts/ack/abc', { method: 'POST', headers: auth });
    expect(bad.status).toBe(400);
  });

  it('answers 503 for process control without a supervisor, and calls it when wired', async () => {
    fleet = createTestFleet();
    const unwired = await fleet.dashboard.app.request('/api/fleet/start', { method: 'POST', headers: auth });
    expect(unwired.status).toBe(503);
    expect(((await unwired.json()) as ErrorResponse).error.message).toMatch(/without the supervisor/);
    fleet.cleanup();

    const calls: string[] = [];
    const control: FleetControl = {
      start: () => {
        calls.push('start');
        return { ok: true, message: 'started 2 workers' };
      },
      stop: async () => {
        calls.push('stop');
        return { ok: true, message: 'stopped' };
      },
      restart: (agent) => {
        calls.push(`restart ${agent}`);
        return { ok: false, message: `no worker ${agent}` };
      },
    };
    fleet = createTestFleet({ control });
    const post = (url: string) => fleet!.dashboard.app.request(url, { method: 'POST', headers: auth });
    const started = await post('/api/fleet/start');
    expect(started.status).toBe(200);
    expect(await started.json()).toEqual({ ok: true, message: 'started 2 workers' });
    expect((await post('/api/fleet/stop')).status).toBe(200);
    expect((await post('/api/fleet/worker/coder_9/restart')).status).toBe(409);
    expect((await post('/api/fleet/worker/bad%20name/restart')).status).toBe(400);
    expect(calls).toEqual(['start', 'stop', 'restart coder_9']);
  });

  it('answers 503 "fleet not running" and 504 on a supervisor timeout, as the control reports them', async () => {
    const failing = (code: 'DASHBOARD_FLEET_NOT_RUNNING' | 'DASHBOARD_CONTROL_TIMEOUT') => () => {
      throw new DashboardError({
        code,
        message: code === 'DASHBOARD_FLEET_NOT_RUNNING' ? 'fleet not running' : 'no answer',
      });
    };
    fleet = createTestFleet({
      control: {
        start: failing('DASHBOARD_FLEET_NOT_RUNNING'),
        stop: async () => failing('DASHBOARD_CONTROL_TIMEOUT')(),
        restart: () => {
          throw new Error('boom /home/secret/path');
        },
      },
    });
    const post = (url: string) => fleet!.dashboard.app.request(url, { method: 'POST', headers: auth });
    const start = await post('/api/fleet/start');
    expect(start.status).toBe(503);
    expect(await start.json()).toEqual({
      error: { code: 'DASHBOARD_FLEET_NOT_RUNNING', message: 'fleet not running' },
    });
    const stop = await post('/api/fleet/stop');
    expect(stop.status).toBe(504);
    expect(((await stop.json()) as ErrorResponse).error.code).toBe('DASHBOARD_CONTROL_TIMEOUT');
    const restart = await post('/api/fleet/worker/coder_1/restart');
    expect(restart.status).toBe(500);
    expect(JSON.stringify(await restart.json())).not.toContain('secret');
  });

  it('answers 501 with the issue it waits for on routes without a data source', async () => {
    fleet = createTestFleet();
    for (const route of ['/api/comms', '/api/fleet/marathon', '/api/fleet/checkpoints']) {
      const { status, body } = await getJson<ErrorResponse>(fleet, route);
      expect(status).toBe(501);
      expect(body.error.code).toBe('DASHBOARD_NOT_IMPLEMENTED');
    }
    expect((await getJson<ErrorResponse>(fleet, '/api/fleet/marathon')).body.error.message).toMatch(
      /comes with the marathon issue/,
    );
  });
});

describe('bad input is a 400 with a message, never a 500', () => {
  const cases: Array<[string, RegExp]> = [
    ['/api/activity?limit=abc', /"limit" must be a whole number/],
    ['/api/activity?limit=0', /"limit"/],
    ['/api/activity?limit=1001', /"limit"/],
    ['/api/activity?limit=99999999999999999999', /"limit"/],
    ['/api/activity?status=EXPLODED', /"status"/],
    ['/api/activity?skill=Bad%20Skill', /"skill" must be a skill name/],
    [`/api/activity?skill=${'a'.repeat(300)}`, /"skill"/],
    ['/api/activity?colour=red', /unknown query parameter "colour"/],
    ['/api/status?x=1', /unknown query parameter "x"/],
    ['/api/usage?period=year', /"period"/],
    ['/api/usage?group_by=agent', /"group_by"/],
    ['/api/usage?from=yesterday', /"from" must be an ISO 8601 time/],
    ['/api/usage?period=day&from=2026-11-01', /not both/],
    ['/api/usage?from=2026-12-01&to=2026-11-01', /before/],
    ['/api/usage/delta?from_start=2026-11-01', /all of from_start/],
    ['/api/usage/regression?threshold_percent=-5', /"threshold_percent"/],
    ['/api/usage/timeseries?bucket=minute&from=2020-01-01', /buckets/],
    ['/api/timeline?from=2026-12-01&to=2026-11-01', /before/],
    ['/api/alerts?active=maybe', /"active" must be true or false/],
    ['/api/fleet/idle?min_idle_secs=-1', /"min_idle_secs"/],
    ['/api/knowledge?limit=5001', /"limit"/],
  ];
  it.each(cases)('%s', async (url, message) => {
    fleet ??= createTestFleet();
    const { status, body } = await getJson<ErrorResponse>(fleet, url);
    expect(status).toBe(400);
    expect(body.error.code).toBe('DASHBOARD_BAD_REQUEST');
    expect(body.error.message).toMatch(message);
  });

  it('answers unknown routes with a JSON 404', async () => {
    fleet = createTestFleet();
    const { status, body } = await getJson<ErrorResponse>(fleet, '/api/nope');
    expect(status).toBe(404);
    expect(body.error.code).toBe('DASHBOARD_NOT_FOUND');
  });
});

describe('security', () => {
  it('refuses a POST without the token, or with a wrong one, with 401', async () => {
    fleet = createTestFleet();
    const alert = fleet.queue.raiseAlert({ type: 'x', severity: 'info', message: 'm', source: 's' });
    const url = `/api/alerts/ack/${alert.id}`;
    for (const headers of [
      {} as Record<string, string>,
      { Authorization: `Bearer ${'b'.repeat(64)}` },
      { Authorization: `Bearer ${TEST_TOKEN.slice(1)}` },
      { Authorization: TEST_TOKEN },
      { Authorization: `Basic ${TEST_TOKEN}` },
    ]) {
      const response = await fleet.dashboard.app.request(url, { method: 'POST', headers });
      expect(response.status).toBe(401);
      expect(((await response.json()) as ErrorResponse).error.code).toBe('DASHBOARD_UNAUTHORIZED');
    }
    expect(fleet.queue.listAlerts({ activeOnly: true })).toHaveLength(1);
  });

  it('refuses another origin with 403 even with the token, and accepts its own', async () => {
    fleet = createTestFleet();
    const alert = fleet.queue.raiseAlert({ type: 'x', severity: 'info', message: 'm', source: 's' });
    const url = `http://127.0.0.1:5555/api/alerts/ack/${alert.id}`;
    for (const origin of ['http://evil.example', 'http://127.0.0.1:6666', 'null', 'https://127.0.0.1:5555']) {
      const response = await fleet.dashboard.app.request(url, {
        method: 'POST',
        headers: { ...auth, Origin: origin, Host: '127.0.0.1:5555' },
      });
      expect(response.status).toBe(403);
    }
    const read = await fleet.dashboard.app.request('http://127.0.0.1:5555/api/status', {
      headers: { Origin: 'http://evil.example', Host: '127.0.0.1:5555' },
    });
    expect(read.status).toBe(403);
    expect(fleet.queue.listAlerts({ activeOnly: true })).toHaveLength(1);

    const own = await fleet.dashboard.app.request(url, {
      method: 'POST',
      headers: { ...auth, Origin: 'http://127.0.0.1:5555', Host: '127.0.0.1:5555' },
    });
    expect(own.status).toBe(200);
  });

  it('refuses a Host it does not serve (DNS rebinding) unless it was named in hosts', async () => {
    fleet = createTestFleet();
    const rebound = await fleet.dashboard.app.request('http://evil.example:5555/api/status', {
      headers: { Host: 'evil.example:5555', Origin: 'http://evil.example:5555' },
    });
    expect(rebound.status).toBe(403);
    fleet.cleanup();
    fleet = createTestFleet({ hosts: ['fleet.lan'] });
    const named = await fleet.dashboard.app.request('http://fleet.lan:5555/api/status', {
      headers: { Host: 'fleet.lan:5555' },
    });
    expect(named.status).toBe(200);
  });

  it('answers to [dashboard] allowed_hosts and bind_address besides loopback, and nothing else', async () => {
    fleet = createTestFleet({
      config: { dashboard: { bind_address: '192.168.1.20', allowed_hosts: ['biged.lan', '[fd00::1]'] } },
    });
    const status = async (host: string) =>
      (await fleet!.dashboard.app.request(`http://${host}/api/status`, { headers: { Host: host } })).status;
    for (const host of [
      'biged.lan:5555',
      'BIGED.LAN',
      '[fd00::1]:5555',
      '192.168.1.20:5555',
      'localhost:5555',
    ])
      expect(await status(host)).toBe(200);
    for (const host of ['evil.example:5555', 'biged.lan.evil.example', '192.168.1.21:5555', '[fd00::2]:5555'])
      expect(await status(host)).toBe(403);
    // A wildcard bind is no host name: only loopback and allowed_hosts then.
    fleet.cleanup();
    fleet = createTestFleet({ config: { dashboard: { bind_address: '0.0.0.0' } } });
    expect(await status('0.0.0.0:5555')).toBe(403);
    expect(await status('127.0.0.1:5555')).toBe(200);
  });

  it('rejects malformed allowed_hosts and cors_origins entries in fleet.toml with the key named', () => {
    for (const dashboard of [
      { allowed_hosts: ['http://biged.lan'] },
      { allowed_hosts: ['biged.lan:5555'] },
      { allowed_hosts: ['*.lan'] },
      { cors_origins: ['grafana.lan'] },
      { cors_origins: ['http://grafana.lan/path'] },
      { cors_origins: ['*'] },
    ]) {
      let caught: unknown;
      try {
        parseFleetConfig({ dashboard });
      } catch (error) {
        caught = error;
      }
      expect(ConfigError.isInstance(caught)).toBe(true);
      expect((caught as ConfigError).issues.map((issue) => issue.key)[0]).toMatch(
        /^dashboard\.(allowed_hosts|cors_origins)\.0$/,
      );
    }
  });

  it('lets a cors_origins page read (GET, preflight) but refuses its POST even with the token', async () => {
    fleet = createTestFleet({ config: { dashboard: { cors_origins: ['http://grafana.lan:3000'] } } });
    const alert = fleet.queue.raiseAlert({ type: 'x', severity: 'info', message: 'm', source: 's' });
    const headers = { Host: '127.0.0.1:5555', Origin: 'http://grafana.lan:3000' };
    const read = await fleet.dashboard.app.request('http://127.0.0.1:5555/api/status', { headers });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBe('http://grafana.lan:3000');
    expect(read.headers.get('vary')).toContain('Origin');
    const preflight = await fleet.dashboard.app.request('http://127.0.0.1:5555/api/status', {
      method: 'OPTIONS',
      headers: { ...headers, 'Access-Control-Request-Method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toBe('GET, HEAD');
    const post = await fleet.dashboard.app.request(`http://127.0.0.1:5555/api/alerts/ack/${alert.id}`, {
      method: 'POST',
      headers: { ...headers, ...auth },
    });
    expect(post.status).toBe(403);
    expect(((await post.json()) as ErrorResponse).error.message).toMatch(/even with the token/);
    expect(fleet.queue.listAlerts({ activeOnly: true })).toHaveLength(1);
    // Other origins: no read, no preflight, no CORS header.
    for (const method of ['GET', 'OPTIONS']) {
      const other = await fleet.dashboard.app.request('http://127.0.0.1:5555/api/status', {
        method,
        headers: { Host: '127.0.0.1:5555', Origin: 'http://grafana.lan:3001' },
      });
      expect(other.status).toBe(403);
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('never sends a secret: config values under key/token/secret/password keys are redacted', async () => {
    fleet = createTestFleet({
      config: { modules: { publisher_keys: { acme: 'PUBLISHER-KEY-VALUE' } } },
    });
    const config = await getJson<{ config: { modules: { publisher_keys: unknown } } }>(fleet, '/api/config');
    expect(config.body.config.modules.publisher_keys).toBe('[redacted]');
    const routes = [
      '/api/status',
      '/api/config',
      '/api/fleet/health',
      '/api/thermal',
      '/api/usage/budgets',
      '/api/data_stats',
      '/api/knowledge',
    ];
    for (const route of routes) {
      const text = await (await fleet.dashboard.app.request(route)).text();
      expect(text).not.toContain(TEST_TOKEN);
      expect(text).not.toContain('PUBLISHER-KEY-VALUE');
    }
  });

  it('refuses to start in air-gap mode or when disabled', () => {
    const queue = createQueue({ file: ':memory:' });
    const ledger = createUsageLedger({ queue });
    const base = { queue, ledger, token: TEST_TOKEN, paths: createTestFleetPaths() };
    try {
      for (const [raw, code] of [
        [{ fleet: { air_gap_mode: true } }, 'DASHBOARD_AIR_GAP'],
        [{ dashboard: { enabled: false } }, 'DASHBOARD_DISABLED'],
      ] as const) {
        const { config } = parseFleetConfig(raw);
        try {
          createDashboard({ ...base, config });
          expect.unreachable('createDashboard should throw');
        } catch (error) {
          expect(DashboardError.isInstance(error)).toBe(true);
          expect((error as DashboardError).code).toBe(code);
        }
      }
      expect(() => createDashboard({ ...base, config: parseFleetConfig({}).config, token: 'short' })).toThrow(
        /at least 32/,
      );
    } finally {
      queue.close();
    }
  });
});

function createTestFleetPaths() {
  return fleetPaths('/nonexistent-biged-home');
}

describe('the page', () => {
  it('serves the page, its script, style and uPlot from the package with a strict CSP', async () => {
    fleet = createTestFleet();
    const page = await fleet.dashboard.app.request('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const html = await page.text();
    expect(html).toContain('/assets/uplot.js');
    expect(html).not.toMatch(/https?:\/\//); // no CDN
    expect(html).not.toContain(TEST_TOKEN);
    const uplot = await fleet.dashboard.app.request('/assets/uplot.js');
    expect(uplot.status).toBe(200);
    expect(await uplot.text()).toContain('uPlot');
    for (const name of ['app.js', 'app.css', 'uplot.css'])
      expect((await fleet.dashboard.app.request(`/assets/${name}`)).status).toBe(200);
    for (const name of ['nope.js', '..%2Fpackage.json', 'constructor', '__proto__'])
      expect((await fleet.dashboard.app.request(`/assets/${name}`)).status).toBe(404);
  });
});
