import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, queueFile, requireHome } from '../context';
import { BackupError } from '../errors';
import { type BackupManifest, resolveBackupDir, restoreBackup } from './backup-engine';

/** `biged restore <backup>`: verifies a backup's SHA-256 sums, then copies it back into a stopped fleet. */
export function registerRestore(program: Command, session: ProgramSession): void {
  program
    .command('restore')
    .description(
      'restore a backup (a folder, or a name in backups/): every SHA-256 is verified first, a running fleet is refused, the replaced fleet.db is kept as fleet.db.pre-restore',
    )
    .argument('<backup>', 'backup folder, or its name (YYYYMMDD_HHMMSS) in <home>/backups')
    .option('-y, --yes', 'restore without asking')
    .action(async (backup: string, options: { yes?: boolean }, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      const config = loadFleetConfig(context);
      const dir = resolveBackupDir(context.home, backup, context.io.cwd);
      const confirm = async (manifest: BackupManifest): Promise<boolean> => {
        if (options.yes) return true;
        const ask = context.io.prompt;
        if (!ask) {
          throw new BackupError({
            code: 'BACKUP_NOT_CONFIRMED',
            message: `restoring ${dir} replaces the fleet's data, and there is no terminal to confirm on; nothing was restored`,
            backupDir: dir,
            hint: `check it, then run \`biged restore ${backup} --yes\``,
          });
        }
        const answer = await ask(
          `restore ${manifest.files.length} files from ${dir} (taken ${manifest.created_at}) into ${context.home}? [y/N] `,
        );
        return /^y(es)?$/i.test(answer.trim());
      };
      const result = await restoreBackup({
        home: context.home,
        dir,
        fleetDb: queueFile(context, config),
        confirm,
      });
      if (context.json) {
        context.printJson({
          dir: result.dir,
          created_at: result.manifest.created_at,
          restored: result.restored,
          pre_restore: result.preRestore,
        });
        return;
      }
      context.print(
        `restored ${result.restored.length} files from ${result.dir} (taken ${result.manifest.created_at})\n` +
          (result.preRestore ? `the replaced fleet.db is kept as ${result.preRestore}\n` : ''),
      );
    });
}
