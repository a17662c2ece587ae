import { BigedError } from '@biged/core';

const name = 'PenTestTargetError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Why `pen_test` refused a target. */
export type PenTestTargetErrorCode = 'PEN_TEST_TARGET_REFUSED' | 'PEN_TEST_TARGET_UNRESOLVED';

/** Options for `new PenTestTargetError(...)`. */
export interface PenTestTargetErrorOptions {
  code: PenTestTargetErrorCode;
  /** The host as the payload gave it. */
  host: string;
  /** What it resolved to (empty when it did not resolve). */
  addresses: string[];
  /** What is wrong. */
  message: string;
  /** The lookup failure, for `PEN_TEST_TARGET_UNRESOLVED`. */
  cause?: unknown;
}

/**
 * `pen_test` refused its target before sending anything: the host is not a loopback address (127.0.0.0/8,
 * ::1) or a name all of whose addresses are loopback (`PEN_TEST_TARGET_REFUSED`), or the name did not
 * resolve (`PEN_TEST_TARGET_UNRESOLVED`).
 */
export class PenTestTargetError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The host as given. */
  readonly host: string;
  /** What it resolved to. */
  readonly addresses: string[];

  constructor(options: PenTestTargetErrorOptions) {
    super({
      name,
      code: options.code,
      message: options.message,
      cause: options.cause,
      hint: 'pen_test only probes this machine: use 127.0.0.1, ::1 or localhost',
    });
    this.host = options.host;
    this.addresses = options.addresses;
  }

  static override isInstance(error: unknown): error is PenTestTargetError {
    return BigedError.hasMarker(error, marker);
  }
}
