import { BigedError } from '@biged/core';
import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome } from '../context';
import { CliError } from '../errors';
import { parsePositiveInteger } from '../options';

/**
 * `biged up [--detach] [--no-hw]`: runs the supervisor in the foreground, or starts it in the background.
 * `--no-hw` runs no hardware monitor (no hw_state.json) even when `[fleet] hw_monitor` is true.
 */
export function registerUp(program: Command, session: ProgramSession): void {
  program
    .command('up')
    .description('start the fleet (supervisor and workers); with --detach, return once it is ready')
    .option('-d, --detach', 'run in the background; return once every worker is ready')
    .option('--timeout <secs>', 'with --detach: how long to wait for the fleet to be ready (default 60)')
    .option(
      '--no-hw',
      'run without the hardware monitor (no hw_state.json), whatever [fleet] hw_monitor says',
    )
    .action(async (options: { detach?: boolean; timeout?: string; hw: boolean }, command: Command) => {
      const context = contextFor(session, command);
      const timeoutSecs =
        options.timeout === undefined ? undefined : parsePositiveInteger(options.timeout, '--timeout');
      requireHome(context);
      // A broken fleet.toml is reported here, with the CLI's rendering, rather than in the child's log.
      loadFleetConfig(context);
      // Loaded here, not at the top: @biged/fleet brings the skills and model SDKs, which other commands
      // (status above all) must not pay for.
      const { runSupervisor, startDetached } = await import('@biged/fleet');

      if (!options.detach) {
        // Already running: FleetError FLEET_ALREADY_RUNNING (exit 5). Resolves after SIGINT/SIGTERM.
        await runSupervisor({
          home: context.home,
          ...(options.hw === false ? { hwMonitor: false as const } : {}),
          onReady: () => {
            if (!context.json) session.io.stderr.write('fleet ready; press Ctrl-C to stop\n');
          },
        });
        if (context.json) context.printJson({ stopped: true });
        else context.print('fleet stopped\n');
        return;
      }

      let started: { pid: number; alreadyRunning: boolean };
      try {
        started = await startDetached({
          home: context.home,
          command: [
            process.execPath,
            session.binPath,
            'up',
            '--home',
            context.home,
            ...(options.hw === false ? ['--no-hw'] : []),
          ],
          ...(timeoutSecs === undefined ? {} : { timeoutMs: timeoutSecs * 1000 }),
        });
      } catch (error) {
        if (BigedError.isInstance(error)) throw error;
        throw new CliError({
          code: 'CLI_FLEET_START_FAILED',
          message: `the fleet did not start: ${error instanceof Error ? error.message : String(error)}`,
          hint: `read ${context.paths.logs}/supervisor.log, or run \`biged up\` in the foreground to see why`,
          cause: error,
        });
      }
      // Idempotent for scripts: a second `up --detach` leaves the one fleet running and succeeds.
      if (context.json) context.printJson({ pid: started.pid, already_running: started.alreadyRunning });
      else if (started.alreadyRunning) context.print(`fleet is already running (pid ${started.pid})\n`);
      else context.print(`fleet started (pid ${started.pid}); stop it with \`biged down\`\n`);
    });
}
