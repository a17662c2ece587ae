import type { BigedError } from '@biged/core';
import { EXIT_CODES, type ExitCode } from '../exit-codes';
import { CliError } from './cli-error';

// Codes from sibling packages whose meaning is "that thing does not exist". SKILL_NOT_FOUND and
// CONFIG_NOT_FOUND stay user errors (1): the operator named something wrong, nothing was looked up.
const NOT_FOUND = /^(QUEUE|CLI|LOCK|SECRETS)_.*NOT_FOUND$/;
// The supervisor and worker runtime report start/readiness problems under these prefixes.
const FLEET = /^(FLEET|SUPERVISOR)_/;

/** The exit code a BigedError ends the command with (see `EXIT_CODES`). */
export function exitCodeFor(error: BigedError): ExitCode {
  if (CliError.isInstance(error)) return error.exitCode;
  if (NOT_FOUND.test(error.code)) return EXIT_CODES.NOT_FOUND;
  if (FLEET.test(error.code) && !error.code.includes('CONFIG')) return EXIT_CODES.FLEET_NOT_READY;
  return EXIT_CODES.USER_ERROR;
}

const DEFAULT_HINTS: Record<string, string> = {
  QUEUE_TASK_NOT_FOUND: 'list tasks and counts with `biged status`',
  QUEUE_DB_CORRUPT: 'restore fleet.db from a backup, or move it aside and run `biged init` to start empty',
  QUEUE_INVALID_PRIORITY: 'use --priority with a whole number from 1 (lowest) to 10 (most urgent)',
  QUEUE_INVALID_TRANSITION:
    'only PENDING, RUNNING or WAITING_HUMAN tasks can be cancelled; see the task with `biged result <id>`',
  SECRETS_NOT_FOUND: 'list the stored keys with `biged secret list`',
  SKILL_NOT_FOUND: 'check the skill name; third-party skills load from [skills] dirs/packages in fleet.toml',
};

/** The "try ..." line for an error: its own hint, else a default the CLI knows for its code. */
export function hintFor(error: BigedError): string | undefined {
  return error.hint ?? DEFAULT_HINTS[error.code];
}
