import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Dashboard } from './create-dashboard';

/** Options of `serveDashboard`. */
export interface ServeDashboardOptions {
  /** What `createDashboard` returned. */
  dashboard: Dashboard;
  /** TCP port; 0 picks a free one. Default 5555. */
  port?: number;
  /**
   * Address to bind. Default `127.0.0.1` (loopback only). Binding anything else exposes the dashboard
   * to the network: pass the same name in `createDashboard({ hosts })` so its `Host` check accepts it.
   */
  host?: string;
}

/** A running dashboard server. */
export interface DashboardServer {
  /** `http://<host>:<port>`, with the port actually bound. */
  readonly url: string;
  /** The port actually bound. */
  readonly port: number;
  /** Stops accepting connections, closes open ones (live streams included) and the dashboard. */
  close(): Promise<void>;
}

/** Default dashboard port (the manual's). */
export const DEFAULT_DASHBOARD_PORT = 5555;
/** Default bind address: loopback only. */
export const DEFAULT_DASHBOARD_HOST = '127.0.0.1';

/**
 * Serves the dashboard over HTTP with `@hono/node-server`, resolving once it listens. Rejects when the
 * port cannot be bound (e.g. `EADDRINUSE`).
 */
export function serveDashboard({
  dashboard,
  port = DEFAULT_DASHBOARD_PORT,
  host = DEFAULT_DASHBOARD_HOST,
}: ServeDashboardOptions): Promise<DashboardServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: dashboard.app.fetch, port, hostname: host });
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.once('listening', () => {
      server.off('error', onError);
      const bound = (server.address() as AddressInfo).port;
      const urlHost = host.includes(':') ? `[${host}]` : host;
      let closing: Promise<void> | undefined;
      resolve({
        url: `http://${urlHost}:${bound}`,
        port: bound,
        close() {
          closing ??= new Promise<void>((done) => {
            dashboard.close();
            server.close(() => done());
            if ('closeAllConnections' in server) server.closeAllConnections();
          });
          return closing;
        },
      });
    });
  });
}
