import { BigedError } from '@biged/core/startup';

const name = 'ServiceError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Stable codes a {@link ServiceError} carries (all end the command with exit code 1).
 * - `SERVICE_UNSUPPORTED_PLATFORM`: no service manager is known for this platform (use `--platform`).
 * - `SERVICE_INVALID_PATH`: a path that goes into the service file holds a line break or a control
 *   character, which no service format can carry safely. Nothing was written.
 * - `SERVICE_TOOL_NOT_FOUND`: the service manager (`systemctl`, `launchctl`, `schtasks`) is not on PATH.
 * - `SERVICE_COMMAND_FAILED`: the service manager answered with a non-zero exit (`command` and `stderr` set).
 */
export type ServiceErrorCode =
  | 'SERVICE_UNSUPPORTED_PLATFORM'
  | 'SERVICE_INVALID_PATH'
  | 'SERVICE_TOOL_NOT_FOUND'
  | 'SERVICE_COMMAND_FAILED';

/** Options of the {@link ServiceError} constructor. */
export interface ServiceErrorOptions {
  /** The stable code. */
  code: ServiceErrorCode;
  /** What went wrong, for a human. */
  message: string;
  /** The command line that failed, as argv. Default `[]`. */
  command?: readonly string[];
  /** What the failed command wrote to stderr. Default `''`. */
  stderr?: string;
  /** A short "try ..." hint for the operator. */
  hint?: string;
  /** The underlying error. */
  cause?: unknown;
}

/** `biged install-service` / `uninstall-service` could not do what was asked. */
export class ServiceError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The stable code; see {@link ServiceErrorCode}. */
  declare readonly code: ServiceErrorCode;
  /** The command line that failed, as argv (empty when none ran). */
  readonly command: readonly string[];
  /** What the failed command wrote to stderr. */
  readonly stderr: string;

  constructor({ command = [], stderr = '', ...options }: ServiceErrorOptions) {
    super({ name, ...options });
    this.command = [...command];
    this.stderr = stderr;
  }

  /** True when `error` is a ServiceError from any copy of @biged/cli. */
  static override isInstance(error: unknown): error is ServiceError {
    return BigedError.hasMarker(error, marker);
  }
}
