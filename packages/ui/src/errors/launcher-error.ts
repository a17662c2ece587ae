import { BigedError } from '@biged/core/startup';

const name = 'LauncherError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Stable codes a {@link LauncherError} carries.
 * - `UI_QUEUE_OPENING`: the launcher drew its first frame before the full queue had loaded, and this call
 *   (submit, answer or pin a HITL request, a task graph; the Fleet view when the queue file could not be
 *   read as it is; `usage()` of `createLauncherData` without a `ledger`, while @biged/queue is still being
 *   imported) needs it; it did nothing. The next poll or a retry a moment later works.
 */
export type LauncherErrorCode = 'UI_QUEUE_OPENING';

/** Options of the {@link LauncherError} constructor. */
export interface LauncherErrorOptions {
  /** The stable code. */
  code: LauncherErrorCode;
  /** What went wrong, for a human. */
  message: string;
  /** A short "try ..." hint for the operator. */
  hint?: string;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** An error raised by @biged/ui. Check with `LauncherError.isInstance(error)`, then switch on `code`. */
export class LauncherError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The stable code; see {@link LauncherErrorCode}. */
  declare readonly code: LauncherErrorCode;

  constructor(options: LauncherErrorOptions) {
    super({ name, ...options });
  }

  /** True when `error` is a LauncherError from any copy of @biged/ui. */
  static override isInstance(error: unknown): error is LauncherError {
    return BigedError.hasMarker(error, marker);
  }
}
