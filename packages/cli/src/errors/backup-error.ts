import { BigedError } from '@biged/core/startup';
import { EXIT_CODES, type ExitCode } from '../exit-codes';

const name = 'BackupError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Codes of `BackupError` (`biged backup` / `biged restore`), each with the exit code it maps to. */
export const BACKUP_ERROR_EXIT_CODES = {
  /** No backup folder with that name or path. */
  BACKUP_NOT_FOUND: EXIT_CODES.NOT_FOUND,
  /**
   * The backup does not match its manifest.json: a file changed (SHA-256 or size), missing or extra, a link,
   * an unsafe path, or a manifest that does not parse. Nothing was restored.
   */
  BACKUP_VERIFICATION_FAILED: EXIT_CODES.VERIFICATION_FAILED,
  /** `restore` while a supervisor runs for the home (stop it with `biged down`). Nothing was restored. */
  BACKUP_FLEET_RUNNING: EXIT_CODES.FLEET_NOT_READY,
  /** `restore` without `--yes` and no terminal to confirm on, or the answer was not yes. */
  BACKUP_NOT_CONFIRMED: EXIT_CODES.USER_ERROR,
  /** A copied database failed `PRAGMA integrity_check` (the live one is damaged); no backup was kept. */
  BACKUP_INTEGRITY_FAILED: EXIT_CODES.USER_ERROR,
} as const satisfies Record<string, ExitCode>;

/** A code of `BackupError`. */
export type BackupErrorCode = keyof typeof BACKUP_ERROR_EXIT_CODES;

/** Options for `new BackupError(...)`. */
export interface BackupErrorOptions {
  code: BackupErrorCode;
  message: string;
  /** The backup folder involved, when there is one. */
  backupDir?: string;
  /** Each problem found (verification), as `<path>: <what is wrong>`. Default `[]`. */
  problems?: readonly string[];
  hint?: string;
  cause?: unknown;
}

/**
 * `biged backup` or `biged restore` refused or failed. Its `exitCode` is fixed by its `code`, see
 * `BACKUP_ERROR_EXIT_CODES`; a restore that throws has written nothing over the fleet home.
 */
export class BackupError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The process exit code this error ends the command with. */
  readonly exitCode: ExitCode;
  /** The backup folder involved, if any. */
  readonly backupDir: string | undefined;
  /** Each problem found, as `<path>: <what is wrong>`. */
  readonly problems: readonly string[];

  constructor({ code, message, backupDir, problems = [], hint, cause }: BackupErrorOptions) {
    super({ name, code, message, ...(hint ? { hint } : {}), cause });
    this.exitCode = BACKUP_ERROR_EXIT_CODES[code];
    this.backupDir = backupDir;
    this.problems = [...problems];
  }

  static override isInstance(error: unknown): error is BackupError {
    return BigedError.hasMarker(error, marker);
  }
}
