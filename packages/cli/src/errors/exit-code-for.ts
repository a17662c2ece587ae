import type { BigedError } from '@biged/core/startup';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { BackupError } from './backup-error';
import { CliError } from './cli-error';

// Codes from sibling packages whose meaning is "that thing does not exist". SKILL_NOT_FOUND and
// CONFIG_NOT_FOUND stay user errors (1): the operator named something wrong, nothing was looked up.
const NOT_FOUND = /^(QUEUE|CLI|LOCK|SECRETS|WORKFLOW|SCHEDULE)_.*NOT_FOUND$/;
// The supervisor and worker runtime report start/readiness problems under these prefixes.
const FLEET = /^(FLEET|SUPERVISOR)_/;

/** Codes of the conductor's errors (`biged task "<sentence>"`), each with the exit code it maps to. */
export const CONDUCTOR_ERROR_EXIT_CODES = {
  /** The conductor model could not be reached (no server, model missing, server error): like a fleet not ready. */
  CONDUCTOR_UNREACHABLE: EXIT_CODES.FLEET_NOT_READY,
  /** The model's answer is not a task that validates. */
  CONDUCTOR_INVALID_ANSWER: EXIT_CODES.USER_ERROR,
  /** An unsure interpretation was declined, or could not be confirmed (no terminal, no `--yes`). */
  CONDUCTOR_NOT_CONFIRMED: EXIT_CODES.USER_ERROR,
} as const satisfies Record<string, ExitCode>;

/**
 * Codes of the Module Hub's `HubError` and `ModuleStoreError` (`biged module ...`) that do not end with
 * exit code 1. Every other HUB_* / MODULE_STORE_* code (a bad name, an unreadable registry, a bundle too
 * large, a manifest that does not match, a tools.db problem) is bad input: 1.
 */
export const MODULE_ERROR_EXIT_CODES = {
  /** No registry lists the module. */
  HUB_MODULE_NOT_FOUND: EXIT_CODES.NOT_FOUND,
  /** uninstall / enable / disable / update of a module that is not installed. */
  HUB_NOT_INSTALLED: EXIT_CODES.NOT_FOUND,
  /** The registry entry or bundle file carries no SHA-256 (fail closed). */
  HUB_CHECKSUM_MISSING: EXIT_CODES.VERIFICATION_FAILED,
  /** The bundle's bytes do not hash to the published SHA-256. */
  HUB_CHECKSUM_MISMATCH: EXIT_CODES.VERIFICATION_FAILED,
  /** Publisher keys are configured and the bundle is not signed. */
  HUB_SIGNATURE_MISSING: EXIT_CODES.VERIFICATION_FAILED,
  /** No configured publisher key verifies the signature. */
  HUB_SIGNATURE_INVALID: EXIT_CODES.VERIFICATION_FAILED,
  /** An archive entry is a link, a device, absolute or climbs out with `..`. */
  HUB_UNSAFE_ARCHIVE: EXIT_CODES.VERIFICATION_FAILED,
} as const satisfies Record<string, ExitCode>;

/** The exit code a BigedError ends the command with (see `EXIT_CODES`). */
export function exitCodeFor(error: BigedError): ExitCode {
  if (CliError.isInstance(error)) return error.exitCode;
  if (BackupError.isInstance(error)) return error.exitCode;
  if (Object.hasOwn(CONDUCTOR_ERROR_EXIT_CODES, error.code)) {
    return CONDUCTOR_ERROR_EXIT_CODES[error.code as keyof typeof CONDUCTOR_ERROR_EXIT_CODES];
  }
  if (Object.hasOwn(MODULE_ERROR_EXIT_CODES, error.code)) {
    return MODULE_ERROR_EXIT_CODES[error.code as keyof typeof MODULE_ERROR_EXIT_CODES];
  }
  if (NOT_FOUND.test(error.code)) return EXIT_CODES.NOT_FOUND;
  if (FLEET.test(error.code) && !error.code.includes('CONFIG')) return EXIT_CODES.FLEET_NOT_READY;
  return EXIT_CODES.USER_ERROR;
}

const DEFAULT_HINTS: Record<string, string> = {
  QUEUE_TASK_NOT_FOUND: 'list tasks and counts with `biged status`',
  QUEUE_DB_CORRUPT: 'restore fleet.db from a backup, or move it aside and run `biged init` to start empty',
  QUEUE_INVALID_PRIORITY: 'use --priority with a whole number from 1 (lowest) to 10 (most urgent)',
  QUEUE_INVALID_TRANSITION:
    'only PENDING, BLOCKED, RUNNING or WAITING_HUMAN tasks can be cancelled; see the task with `biged result <id>`',
  SECRETS_NOT_FOUND: 'list the stored keys with `biged secret list`',
  SKILL_NOT_FOUND: 'check the skill name; third-party skills load from [skills] dirs/packages in fleet.toml',
  HUB_MODULE_NOT_FOUND: 'list what the registries offer with `biged module available`',
  HUB_NOT_INSTALLED: 'list the installed modules with `biged module list`',
  HUB_NO_SOURCE:
    'set [modules] registry_dir (a local folder) or hub_url in fleet.toml, or install a bundle with --file',
  HUB_CHECKSUM_MISMATCH:
    'do not install this bundle: it is not the one the publisher checksummed (tampered or corrupted); ask the publisher',
  HUB_SIGNATURE_INVALID:
    'do not install this bundle: no key in [modules] publisher_keys signed it; check the key with the publisher',
};

/** The "try ..." line for an error: its own hint, else a default the CLI knows for its code. */
export function hintFor(error: BigedError): string | undefined {
  return error.hint ?? DEFAULT_HINTS[error.code];
}
