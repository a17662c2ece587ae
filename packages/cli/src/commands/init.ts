import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createQueue } from '@biged/queue';
import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, queueFile } from '../context';
import { FLEET_TOML_TEMPLATE } from './fleet-toml-template';

/** What `biged init` did to one path. */
type InitAction = 'created' | 'exists' | 'overwritten';

/**
 * `biged init [--force]`: creates the fleet home, a documented fleet.toml, the queue database and the
 * dashboard token.
 */
export function registerInit(program: Command, session: ProgramSession): void {
  program
    .command('init')
    .description('create the fleet home: fleet.toml, fleet.db, logs/, knowledge/, run/')
    .option('--force', 'overwrite an existing fleet.toml with the default template')
    .action(async (options: { force?: boolean }, command: Command) => {
      const context = contextFor(session, command);
      const { paths } = context;
      const steps: { path: string; action: InitAction }[] = [];
      const directory = (dir: string) => {
        const existed = existsSync(dir);
        mkdirSync(dir, { recursive: true });
        steps.push({ path: dir, action: existed ? 'exists' : 'created' });
      };

      directory(paths.home);
      const configExisted = existsSync(paths.config);
      if (!configExisted || options.force) {
        writeFileSync(paths.config, FLEET_TOML_TEMPLATE, { mode: 0o644 });
        steps.push({ path: paths.config, action: configExisted ? 'overwritten' : 'created' });
      } else {
        steps.push({ path: paths.config, action: 'exists' });
      }
      directory(paths.logs);
      directory(paths.knowledge);
      directory(paths.run);

      // Validates the (possibly pre-existing) fleet.toml before touching the database, so a broken
      // file is reported here rather than at `biged up`.
      const config = loadFleetConfig(context);
      const db = queueFile(context, config);
      const dbExisted = existsSync(db);
      createQueue({ file: db }).close();
      steps.push({ path: db, action: dbExisted ? 'exists' : 'created' });

      // The token every dashboard POST needs (`biged dashboard --print-token`). None in air-gap mode or
      // with the dashboard off: it would only be a secret lying around. Hono loads only here, lazily.
      if (config.dashboard.enabled && !config.fleet.air_gap_mode) {
        const { dashboardTokenFile, ensureDashboardToken } = await import('@biged/dashboard');
        const tokenFile = dashboardTokenFile(paths);
        const tokenExisted = existsSync(tokenFile);
        ensureDashboardToken(paths);
        steps.push({ path: tokenFile, action: tokenExisted ? 'exists' : 'created' });
      }

      if (context.json) {
        context.printJson({ home: paths.home, config: paths.config, db, steps });
        return;
      }
      const width = Math.max(...steps.map((step) => step.action.length));
      for (const step of steps) context.print(`${step.action.padEnd(width)}  ${step.path}\n`);
      context.print(
        configExisted && !options.force
          ? `\nfleet home ready at ${paths.home} (fleet.toml kept; use --force to reset it)\n`
          : `\nfleet home ready at ${paths.home}\nnext: edit ${paths.config}, then \`biged up --detach\`\n`,
      );
    });
}
