import { BigedError } from '@biged/core/startup';

const name = 'FleetError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Codes a FleetError carries. */
export type FleetErrorCode =
  | 'FLEET_ALREADY_RUNNING'
  | 'FLEET_START_FAILED'
  | 'FLEET_START_TIMEOUT'
  | 'FLEET_STOP_TIMEOUT'
  | 'FLEET_NO_WORKERS'
  | 'FLEET_INVALID_OPTION'
  /** No ready supervisor runs for the home (process control). */
  | 'FLEET_NOT_RUNNING'
  /** The supervisor did not answer a control request in time. */
  | 'FLEET_CONTROL_TIMEOUT';

/** The supervisor could not start, stop or find its workers, or a fleet factory got an invalid option. */
export class FleetError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The supervisor's pid, when one is involved. */
  readonly pid: number | undefined;

  constructor(options: {
    code: FleetErrorCode;
    message: string;
    pid?: number;
    cause?: unknown;
    hint?: string;
  }) {
    super({ name, ...options });
    this.pid = options.pid;
  }

  static override isInstance(error: unknown): error is FleetError {
    return BigedError.hasMarker(error, marker);
  }
}
