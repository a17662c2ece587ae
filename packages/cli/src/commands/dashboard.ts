import { queueOptionsFromConfig } from '@biged/core';
import { createQueue, createUsageLedger } from '@biged/queue';
import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome } from '../context';
import { CliError } from '../errors';
import { createDashboardFleetControl } from './dashboard-control';

/** Options of `biged dashboard`. */
interface DashboardOptions {
  port?: string;
  host?: string;
  printToken?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * `biged dashboard [--port 5555] [--host 127.0.0.1] [--print-token]`: serves the dashboard (API, live
 * stream and page) over the fleet home until SIGINT/SIGTERM. `--print-token` prints the token POST
 * routes need (creating `<home>/run/dashboard.token` if missing) and exits. Hono is imported only here,
 * lazily, so other commands never load it.
 */
export function registerDashboard(program: Command, session: ProgramSession): void {
  program
    .command('dashboard')
    .description('serve the web dashboard and its API (default http://127.0.0.1:5555) until Ctrl-C')
    .option('--port <port>', 'TCP port (default: [dashboard] port, 5555)')
    .option('--host <address>', 'address to bind (default: [dashboard] bind_address, 127.0.0.1)')
    .option('--print-token', 'print the dashboard token that POST requests need, and exit')
    .action(async (options: DashboardOptions, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      const { createDashboard, ensureDashboardToken, serveDashboard } = await import('@biged/dashboard');
      if (options.printToken) {
        const token = ensureDashboardToken(context.paths);
        if (context.json) context.printJson({ token });
        else context.print(`${token}\n`);
        return;
      }
      const config = loadFleetConfig(context);
      const port = options.port === undefined ? config.dashboard.port : parsePort(options.port);
      const host = options.host ?? config.dashboard.bind_address;
      if (host.trim() === '' || host.length > 253)
        throw new CliError({
          code: 'CLI_INVALID_OPTION',
          message: `--host must be an address, got "${host}"`,
        });
      const token = ensureDashboardToken(context.paths);
      const queue = createQueue(queueOptionsFromConfig(config, context.home));
      try {
        const dashboard = createDashboard({
          queue,
          ledger: createUsageLedger({ queue }),
          paths: context.paths,
          config,
          token,
          // Start/stop/restart: control requests the supervisor answers on the `sup` channel.
          control: await createDashboardFleetControl({
            queue,
            home: context.home,
            timeoutMs: (config.workers.shutdown_grace_secs + 15) * 1000,
          }),
          hosts: LOOPBACK.has(host) ? [] : [host.includes(':') ? `[${host}]` : host],
        });
        let server: Awaited<ReturnType<typeof serveDashboard>>;
        try {
          server = await serveDashboard({ dashboard, port, host });
        } catch (error) {
          dashboard.close();
          const code = (error as NodeJS.ErrnoException).code;
          throw new CliError({
            code: 'CLI_INVALID_OPTION',
            message: `cannot listen on ${host}:${port}${code ? ` (${code})` : ''}`,
            hint: code === 'EADDRINUSE' ? 'pick another port with --port' : 'check --host and --port',
            cause: error,
          });
        }
        if (context.json) context.printJson({ url: server.url });
        else {
          context.print(`dashboard at ${server.url} (Ctrl-C to stop)\n`);
          context.print(
            'POST requests and the page controls need the token: biged dashboard --print-token\n',
          );
          if (!LOOPBACK.has(host))
            context.warn(`bound to ${host}: the dashboard is reachable from the network`);
        }
        await new Promise<void>((resolve) => {
          const stop = () => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await server.close();
      } finally {
        queue.close();
      }
    });
}

function parsePort(value: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!(port >= 1 && port <= 65535))
    throw new CliError({
      code: 'CLI_INVALID_OPTION',
      message: `--port must be a whole number from 1 to 65535, got "${value}"`,
    });
  return port;
}
