import { BigedError } from '@biged/core/startup';
import { EXIT_CODES, type ExitCode } from '../exit-codes';

const name = 'CliError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Codes raised by the CLI itself, each with the exit code it maps to. */
export const CLI_ERROR_EXIT_CODES = {
  /** An option or argument value BigEd cannot accept (`--priority abc`, `result x`). */
  CLI_INVALID_OPTION: EXIT_CODES.USER_ERROR,
  /** `--b64` text that is not base64. */
  CLI_INVALID_BASE64: EXIT_CODES.USER_ERROR,
  /** `biged task '<json>'` without a `skill` (or `type`) field. */
  CLI_TASK_NO_SKILL: EXIT_CODES.USER_ERROR,
  /** The fleet home does not exist (run `biged init`). */
  CLI_HOME_NOT_FOUND: EXIT_CODES.USER_ERROR,
  /** `biged task "<sentence>"` with an empty sentence, or one longer than `CONDUCTOR_MAX_SENTENCE_CHARS`. */
  CLI_TASK_INVALID_TEXT: EXIT_CODES.USER_ERROR,
  /** `biged task "<sentence>"` when no skill is left for the conductor (all refused offline, or unconvertible). */
  CLI_CONDUCTOR_NO_SKILLS: EXIT_CODES.USER_ERROR,
  /** `biged skill new` with a name that does not match `SKILL_NAME_PATTERN`. */
  CLI_INVALID_SKILL_NAME: EXIT_CODES.USER_ERROR,
  /** `biged skill new` into a folder that already exists (nothing is overwritten). */
  CLI_SKILL_EXISTS: EXIT_CODES.USER_ERROR,
  /** `biged skill new --register` could not add the folder to `[skills] dirs` (fleet.toml left as it was). */
  CLI_CONFIG_EDIT_FAILED: EXIT_CODES.USER_ERROR,
  /** `biged module install <name> --file <bundle>` where the bundle's module.json names another module. */
  CLI_MODULE_NAME_MISMATCH: EXIT_CODES.USER_ERROR,
  /** `biged migrate` without a PostgreSQL target (`--to`, or `[queue] url`). */
  CLI_MIGRATE_NO_TARGET: EXIT_CODES.USER_ERROR,
  /** `biged migrate` while the fleet runs (its workers would keep writing the SQLite file). */
  CLI_FLEET_RUNNING: EXIT_CODES.USER_ERROR,
  /** The command line is malformed. */
  CLI_USAGE: EXIT_CODES.USAGE,
  /** No log file for that agent. */
  CLI_LOG_NOT_FOUND: EXIT_CODES.NOT_FOUND,
  /** No held lock with that name. */
  CLI_LOCK_NOT_FOUND: EXIT_CODES.NOT_FOUND,
  /** `biged up --detach` could not bring the fleet up. */
  CLI_FLEET_START_FAILED: EXIT_CODES.FLEET_NOT_READY,
  /** `--wait --timeout` ran out before the task ended. */
  CLI_WAIT_TIMEOUT: EXIT_CODES.FLEET_NOT_READY,
} as const satisfies Record<string, ExitCode>;

/** A code of `CliError`. */
export type CliErrorCode = keyof typeof CLI_ERROR_EXIT_CODES;

/**
 * An error raised by the CLI itself (bad option values, a missing home, a wait that timed out).
 * Its `exitCode` is fixed by its `code`, see `CLI_ERROR_EXIT_CODES`.
 */
export class CliError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The process exit code this error ends the command with. */
  readonly exitCode: ExitCode;

  constructor(options: { code: CliErrorCode; message: string; hint?: string; cause?: unknown }) {
    super({ name, ...options });
    this.exitCode = CLI_ERROR_EXIT_CODES[options.code];
  }

  static override isInstance(error: unknown): error is CliError {
    return BigedError.hasMarker(error, marker);
  }
}
