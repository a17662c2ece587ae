import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome, withStore } from '../context';
import { parseTaskId } from '../options';
import { renderTask } from '../output/render-task';
import { taskToJson } from '../output/task-json';

/** `biged result <id>`: a task's status, result or error, attempts and timestamps. */
export function registerResult(program: Command, session: ProgramSession): void {
  program
    .command('result')
    .description('show the status and result of a task')
    .argument('<id>', 'task id (printed by dispatch and task)')
    .action(async (id: string, _options: unknown, command: Command) => {
      const context = contextFor(session, command);
      const taskId = parseTaskId(id);
      requireHome(context);
      const config = loadFleetConfig(context);
      const task = await withStore(context, config, (store) => store.getOrThrow(taskId));
      if (context.json) context.printJson(taskToJson(task));
      else context.print(renderTask(task));
    });
}
