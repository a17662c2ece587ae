import { existsSync } from 'node:fs';
import path from 'node:path';
import { queueTargetFromConfig, redactUrl } from '@biged/core/startup';
import type { Command } from 'commander';
import { recordAudit } from '../audit-record';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome } from '../context';
import { CliError } from '../errors';
import { renderTable } from '../output/table';
import { supervisorStatus } from './supervisor-status';

/** What `biged migrate --json` prints. */
export interface MigrateJson {
  from: string;
  to: string;
  tables: { table: string; rows: number }[];
  requeued: number;
}

const isPostgresUrl = (url: string | undefined): url is string => !!url && /^postgres(ql)?:\/\//i.test(url);

/**
 * `biged migrate`: copies a SQLite fleet's shared data (tasks, dependencies, alerts, messages, the pause
 * flag) into an empty PostgreSQL database, in one transaction, so the fleet can span hosts.
 */
export function registerMigrate(program: Command, session: ProgramSession): void {
  program
    .command('migrate')
    .description(
      'copy a stopped SQLite fleet into an empty PostgreSQL database (one transaction; ids kept, RUNNING tasks come back PENDING)',
    )
    .option('--to <url>', 'the PostgreSQL database (default: [queue] url when it is postgres://)')
    .option('--from <file>', 'the SQLite queue file (default: the fleet’s, or fleet.db in the home)')
    .action(async (options: { to?: string; from?: string }, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      const config = loadFleetConfig(context);
      const target = queueTargetFromConfig(config, context.home);
      const to = options.to ?? (target.kind === 'postgres' ? target.url : undefined);
      if (!isPostgresUrl(to)) {
        throw new CliError({
          code: 'CLI_MIGRATE_NO_TARGET',
          message: to
            ? `--to must be a postgres:// URL, got ${JSON.stringify(redactUrl(to))}`
            : 'no PostgreSQL database to migrate to',
          hint: 'pass --to postgres://user:password@host:5432/fleet, or set [queue] url to it in fleet.toml',
        });
      }
      const from = options.from
        ? path.resolve(context.io.cwd, options.from)
        : target.kind === 'sqlite'
          ? target.file
          : path.join(context.home, 'fleet.db');
      if (!existsSync(from)) {
        throw new CliError({
          code: 'CLI_INVALID_OPTION',
          message: `no SQLite queue at ${from}`,
          hint: 'pass --from <file> to name the fleet.db to copy',
        });
      }
      const supervisor = supervisorStatus(context.home);
      if (supervisor.running) {
        throw new CliError({
          code: 'CLI_FLEET_RUNNING',
          message: `the fleet is running (supervisor pid ${supervisor.pid}); nothing was copied`,
          hint: 'stop it with `biged down`, then migrate: its workers would keep writing the SQLite file',
        });
      }
      const { copySqliteToPostgres } = await import('@biged/queue/postgres');
      const result = await copySqliteToPostgres({ file: from, url: to });
      const location = redactUrl(to);
      await recordAudit(context, {
        action: 'queue_migrate',
        resource: location,
        decision: 'allow',
        detail: { from, tables: result.tables, requeued: result.requeued },
      });
      const json: MigrateJson = { from, to: location, tables: result.tables, requeued: result.requeued };
      if (context.json) {
        context.printJson(json);
        return;
      }
      context.print(
        `copied ${from} into ${location}\n${renderTable(
          ['TABLE', 'ROWS'],
          result.tables.map(({ table, rows }) => [table, String(rows)]),
        )}`,
      );
      if (result.requeued > 0) context.print(`${result.requeued} RUNNING task(s) are PENDING again\n`);
      if (target.kind !== 'postgres') {
        context.print(`\nnext: set the fleet on it in fleet.toml:\n\n[queue]\nurl = "${location}"\n`);
      }
    });
}
