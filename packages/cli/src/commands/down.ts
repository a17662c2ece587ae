import { stopSupervisor } from '@biged/fleet/control';
import type { Command } from 'commander';
import { contextFor, type ProgramSession } from '../context';
import { parsePositiveInteger } from '../options';

/** `biged down`: stops the fleet and returns once every fleet process has exited. */
export function registerDown(program: Command, session: ProgramSession): void {
  program
    .command('down')
    .description('stop the fleet gracefully; returns once every fleet process has exited')
    .option('--timeout <secs>', 'how long running tasks get before the fleet is stopped hard')
    .action(async (options: { timeout?: string }, command: Command) => {
      const context = contextFor(session, command);
      const timeoutSecs =
        options.timeout === undefined ? undefined : parsePositiveInteger(options.timeout, '--timeout');
      const { stopped, pid } = await stopSupervisor({
        home: context.home,
        ...(timeoutSecs === undefined ? {} : { timeoutMs: timeoutSecs * 1000 }),
      });
      if (context.json) {
        context.printJson({ stopped, pid: pid ?? null });
        return;
      }
      if (stopped) context.print(`fleet stopped (pid ${pid})\n`);
      // A pid without a stop: the supervisor had died; its leftover state (and workers) were cleaned up.
      else if (pid !== undefined)
        context.print(`fleet is not running (cleaned up after dead supervisor pid ${pid})\n`);
      else context.print('fleet is not running\n');
    });
}
