import { createScheduleStore, type Schedule } from '@biged/queue';
import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome, withQueue } from '../context';
import { CliError } from '../errors';
import { parsePriority } from '../options';
import { renderTable } from '../output/table';

/** One element of `biged schedule list --json`. */
export interface ScheduleJson {
  name: string;
  cron: string;
  timezone: string | null;
  skill: string;
  payload: Record<string, unknown>;
  priority: number;
  catch_up: 'skip' | 'once';
  enabled: boolean;
  source: 'config' | 'cli';
  last_due_at: string | null;
  next_due_at: string | null;
}

const toJson = (schedule: Schedule): ScheduleJson => ({
  name: schedule.name,
  cron: schedule.cron,
  timezone: schedule.timezone,
  skill: schedule.skill,
  payload: schedule.payload,
  priority: schedule.priority,
  catch_up: schedule.catchUp,
  enabled: schedule.enabled,
  source: schedule.source,
  last_due_at: schedule.lastDueAt,
  next_due_at: schedule.nextDueAt,
});

/** `biged schedule add | list | remove`. */
export function registerSchedule(program: Command, session: ProgramSession): void {
  const schedule = program
    .command('schedule')
    .description('recurring tasks (cron), fired by the running supervisor');

  schedule
    .command('add')
    .description('add a recurring task')
    .argument('<name>', 'a unique name (letters, digits, _ . -)')
    .requiredOption(
      '--cron <expression>',
      'cron: "minute hour day month weekday" (or 6 fields, seconds first)',
    )
    .requiredOption('--skill <skill>', 'the skill each run enqueues')
    .option('--payload <json>', 'the task payload (a JSON object)', '{}')
    .option('--priority <n>', 'task priority 1..10', '5')
    .option('--catch-up <policy>', 'missed runs while the fleet was down: skip | once', 'skip')
    .option('--timezone <iana>', 'time zone the cron is read in (default UTC)')
    .action(
      async (
        name: string,
        options: {
          cron: string;
          skill: string;
          payload: string;
          priority: string;
          catchUp: string;
          timezone?: string;
        },
        command: Command,
      ) => {
        const context = contextFor(session, command);
        requireHome(context);
        if (options.catchUp !== 'skip' && options.catchUp !== 'once') {
          throw new CliError({
            code: 'CLI_INVALID_OPTION',
            message: `--catch-up must be "skip" or "once", got "${options.catchUp}"`,
          });
        }
        const priority = parsePriority(options.priority);
        const config = loadFleetConfig(context);
        const added = await withQueue(context, config, (queue) =>
          createScheduleStore({ queue }).add({
            name,
            cron: options.cron,
            skill: options.skill,
            payload: options.payload,
            priority,
            catchUp: options.catchUp as 'skip' | 'once',
            timezone: options.timezone ?? null,
          }),
        );
        if (context.json) context.printJson(toJson(added));
        else
          context.print(
            `added schedule ${added.name}: ${added.skill} at "${added.cron}", next ${added.nextDueAt ?? 'never'}\n`,
          );
      },
    );

  schedule
    .command('list')
    .description('list the schedules (from fleet.toml and from `schedule add`)')
    .action(async (_options: unknown, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      const config = loadFleetConfig(context);
      const schedules = await withQueue(context, config, (queue) => createScheduleStore({ queue }).list());
      if (context.json) {
        context.printJson(schedules.map(toJson));
        return;
      }
      if (schedules.length === 0) {
        context.print('no schedules\n');
        return;
      }
      context.print(
        renderTable(
          ['NAME', 'CRON', 'SKILL', 'CATCH-UP', 'SOURCE', 'NEXT'],
          schedules.map((item) => [
            item.enabled ? item.name : `${item.name} (disabled)`,
            item.timezone ? `${item.cron} (${item.timezone})` : item.cron,
            item.skill,
            item.catchUp,
            item.source,
            item.nextDueAt ?? '-',
          ]),
        ),
      );
    });

  schedule
    .command('remove')
    .description('remove a schedule added with `schedule add` (fleet.toml ones: edit fleet.toml)')
    .argument('<name>', 'the schedule name')
    .action(async (name: string, _options: unknown, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      const config = loadFleetConfig(context);
      await withQueue(context, config, (queue) => createScheduleStore({ queue }).remove(name));
      if (context.json) context.printJson({ removed: name });
      else context.print(`removed schedule ${name}\n`);
    });
}
