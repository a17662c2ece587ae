import type { Command } from 'commander';
import {
  type CommandContext,
  contextFor,
  loadFleetConfig,
  type ProgramSession,
  queueFile,
  requireHome,
} from '../context';
import { parsePositiveInteger } from '../options';
import { BACKUP_KEEP, type BackupProgress, createBackup } from './backup-engine';

/** A stream that may be a terminal (`process.stderr` is; a test's buffer is not). */
interface MaybeTerminal {
  isTTY?: boolean;
}

/**
 * A progress bar on stderr when it is a terminal and the output is not JSON; otherwise nothing.
 * cli-progress is imported only then, so scripts and tests never load it.
 */
async function progressBar(
  context: CommandContext,
): Promise<{ update(progress: BackupProgress): void; stop(): void } | undefined> {
  const stream = context.io.stderr as MaybeTerminal & NodeJS.WritableStream;
  if (context.json || stream.isTTY !== true) return undefined;
  const { default: progress } = await import('cli-progress');
  const bar = new progress.SingleBar(
    { stream, format: 'backup [{bar}] {value}/{total} {file}', hideCursor: true, clearOnComplete: true },
    progress.Presets.shades_classic,
  );
  let started = false;
  return {
    update: ({ done, total, file }) => {
      if (!started) {
        bar.start(total, 0, { file: '' });
        started = true;
      }
      bar.update(done, { file });
    },
    stop: () => started && bar.stop(),
  };
}

/** `biged backup`: an online snapshot of the fleet's databases, knowledge and key registry. */
export function registerBackup(program: Command, session: ProgramSession): void {
  program
    .command('backup')
    .description(
      'snapshot fleet.db, rag.db, tools.db (SQLite online backup, safe while the fleet runs), knowledge/ and keys_registry.toml into backups/<YYYYMMDD_HHMMSS>/ with a SHA-256 manifest',
    )
    .option('--keep <n>', `how many backups to keep (older ones are deleted)`, String(BACKUP_KEEP))
    .action(async (options: { keep: string }, command: Command) => {
      const context = contextFor(session, command);
      const keep = parsePositiveInteger(options.keep, '--keep');
      requireHome(context);
      const config = loadFleetConfig(context);
      const bar = await progressBar(context);
      let result: Awaited<ReturnType<typeof createBackup>>;
      try {
        result = await createBackup({
          home: context.home,
          fleetDb: queueFile(context, config),
          keep,
          ...(bar ? { onProgress: bar.update } : {}),
        });
      } finally {
        bar?.stop();
      }
      const bytes = result.manifest.files.reduce((sum, file) => sum + file.bytes, 0);
      if (context.json) {
        context.printJson({
          name: result.name,
          dir: result.dir,
          files: result.manifest.files,
          bytes,
          pruned: result.pruned,
        });
        return;
      }
      context.print(
        `backup ${result.name}: ${result.manifest.files.length} files, ${bytes} bytes in ${result.dir}\n` +
          (result.pruned.length > 0 ? `deleted older backups: ${result.pruned.join(', ')}\n` : '') +
          `restore it with \`biged restore ${result.name}\`\n`,
      );
    });
}
