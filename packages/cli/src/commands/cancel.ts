import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome, withStore } from '../context';
import { parseTaskId } from '../options';
import { taskToJson } from '../output/task-json';

/** `biged cancel <id>`: cancels a pending task, or asks the worker running it to stop. */
export function registerCancel(program: Command, session: ProgramSession): void {
  program
    .command('cancel')
    .description('cancel a task (a running one is stopped by its worker)')
    .argument('<id>', 'task id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const context = contextFor(session, command);
      const taskId = parseTaskId(id);
      requireHome(context);
      const config = loadFleetConfig(context);
      // A finished task cannot be cancelled: QUEUE_INVALID_TRANSITION (exit 1); unknown id: exit 3.
      const { wasRunning, task } = await withStore(context, config, async (store) => ({
        wasRunning: (await store.getOrThrow(taskId)).status === 'RUNNING',
        task: await store.cancel(taskId),
      }));
      if (context.json) {
        context.printJson(taskToJson(task));
        return;
      }
      const note = wasRunning && task.claimedBy ? `; ${task.claimedBy} stops it at its next heartbeat` : '';
      context.print(`cancelled task ${task.id} (${task.skill})${note}\n`);
    });
}
