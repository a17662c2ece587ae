// NOTE: README.md "Exit codes" documents this table; keep the two in sync.

/**
 * Exit codes of the `biged` binary. Scripts may rely on them; a change is a breaking change.
 */
export const EXIT_CODES = {
  /** The command did what was asked. */
  OK: 0,
  /** Bad input: a payload, option value, config file or skill name BigEd cannot accept. */
  USER_ERROR: 1,
  /** The command line itself is malformed (unknown command or option, missing argument). */
  USAGE: 2,
  /** The thing asked for does not exist (task id, agent log, lock, secret). */
  NOT_FOUND: 3,
  /** With `--wait`: the task ended FAILED or CANCELLED. */
  TASK_FAILED: 4,
  /**
   * The fleet is not running or not ready: start failure, already running, `--wait` timed out, or the
   * conductor model of `biged task "<sentence>"` is unreachable.
   */
  FLEET_NOT_READY: 5,
  /**
   * A module bundle failed verification and nothing was installed: its SHA-256 is missing or does not
   * match, its signature is missing (publisher keys configured) or does not verify, or an archive entry
   * tries to escape the modules folder (a link, `..`, an absolute path). Treat it as a possible attack,
   * not a typo: do not retry with another checksum without asking the publisher.
   */
  VERIFICATION_FAILED: 6,
  /** A bug in BigEd: an unexpected error with a stack trace. Please report it. */
  INTERNAL: 70,
} as const;

/** One of the values of `EXIT_CODES`. */
export type ExitCode = (typeof EXIT_CODES)[keyof typeof EXIT_CODES];

/** Where `biged` asks users to report bugs (shown with the stack trace of an unexpected error). */
export const ISSUES_URL = 'https://github.com/mbachaud/BigEd/issues';
