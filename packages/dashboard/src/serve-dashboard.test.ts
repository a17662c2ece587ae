import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestFleet, TEST_TOKEN, type TestFleet } from './__fixtures__/test-fleet';
import { type DashboardServer, serveDashboard } from './serve-dashboard';

let fleet: TestFleet | undefined;
let server: DashboardServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  fleet?.cleanup();
  fleet = undefined;
});

describe('serveDashboard', () => {
  it('serves the API over real HTTP on 127.0.0.1 by default', async () => {
    fleet = createTestFleet();
    fleet.queue.enqueue({ skill: 'noop', payload: {} });
    server = await serveDashboard({ dashboard: fleet.dashboard, port: 0 });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const status = await fetch(`${server.url}/api/status`);
    expect(status.status).toBe(200);
    expect(((await status.json()) as { counts: { PENDING: number } }).counts.PENDING).toBe(1);

    const alert = fleet.queue.raiseAlert({ type: 'x', severity: 'info', message: 'm', source: 's' });
    const denied = await fetch(`${server.url}/api/alerts/ack/${alert.id}`, { method: 'POST' });
    expect(denied.status).toBe(401);
    const crossOrigin = await fetch(`${server.url}/api/alerts/ack/${alert.id}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_TOKEN}`, Origin: 'http://evil.example' },
    });
    expect(crossOrigin.status).toBe(403);
    const ok = await fetch(`${server.url}/api/alerts/ack/${alert.id}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TEST_TOKEN}`, Origin: server.url },
    });
    expect(ok.status).toBe(200);
  });

  it('rejects when the port is taken', async () => {
    fleet = createTestFleet();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      await expect(serveDashboard({ dashboard: fleet.dashboard, port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      blocker.close();
    }
  });
});
