import type { FleetPause } from '@biged/queue';
import type { Command } from 'commander';
import { recordAudit } from '../audit-record';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome, withStore } from '../context';

/** What `biged pause --json` and `biged resume --json` print. */
export interface FleetPauseJson {
  paused: boolean;
  by: string | null;
  since: string | null;
}

const toJson = (pause: FleetPause): FleetPauseJson => ({
  paused: pause.paused,
  by: pause.by,
  since: pause.since,
});

/**
 * `biged pause` / `biged resume`: the fleet-wide pause. While it is set no worker on any host that shares
 * the queue claims a task; running tasks finish. Works on SQLite and PostgreSQL queues alike.
 */
export function registerPause(program: Command, session: ProgramSession): void {
  for (const paused of [true, false]) {
    program
      .command(paused ? 'pause' : 'resume')
      .description(
        paused
          ? 'pause the whole fleet: no worker on any host claims new tasks (running ones finish)'
          : 'resume a paused fleet',
      )
      .option('--by <name>', 'who pauses (recorded)', 'cli')
      .action(async (options: { by: string }, command: Command) => {
        const context = contextFor(session, command);
        requireHome(context);
        const config = loadFleetConfig(context);
        const state = await withStore(context, config, (store) => store.setFleetPaused(paused, options.by));
        await recordAudit(context, {
          action: paused ? 'fleet_pause' : 'fleet_resume',
          resource: 'fleet',
          decision: 'allow',
          detail: { by: options.by },
        });
        if (context.json) {
          context.printJson(toJson(state));
          return;
        }
        context.print(
          state.paused
            ? `fleet paused (by ${state.by} since ${state.since}): no worker claims until \`biged resume\`\n`
            : 'fleet resumed: workers claim again\n',
        );
      });
  }
}
