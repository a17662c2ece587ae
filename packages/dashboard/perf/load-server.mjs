// One server process of the dashboard load test. argv: <bare|status> <home>
// bare: a Hono app with one JSON route (the baseline); status: the real dashboard over <home>/fleet.db.
// Sends { port } over IPC once listening; exits on 'stop'.
import { fleetPaths, parseFleetConfig } from '@biged/core';
import { createDashboard, serveDashboard } from '@biged/dashboard';
import { createQueue, createUsageLedger } from '@biged/queue';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const [mode, home] = process.argv.slice(2);
let close = async () => {};
if (mode === 'bare') {
  const app = new Hono();
  app.get('/bare', (c) => c.json({ ok: true, time: new Date().toISOString() }));
  const server = await new Promise((resolve) => {
    const listening = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(listening));
  });
  close = () => new Promise((resolve) => server.close(() => resolve()));
  process.send({ port: server.address().port });
} else {
  const paths = fleetPaths(home);
  const { config } = parseFleetConfig({});
  const queue = createQueue({ file: paths.db });
  const dashboard = createDashboard({
    queue,
    ledger: createUsageLedger({ queue }),
    paths,
    config,
    token: 'b'.repeat(64),
  });
  const server = await serveDashboard({ dashboard, port: 0 });
  close = async () => {
    await server.close();
    queue.close();
  };
  process.send({ port: server.port });
}
process.on('message', async (message) => {
  if (message !== 'stop') return;
  await close();
  process.exit(0);
});
