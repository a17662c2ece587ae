import { BigedError } from '@biged/core';

const name = 'SessionError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Stable codes a {@link SessionError} carries (`QUEUE_` prefixed so the CLI maps `*_NOT_FOUND` to exit 3).
 * - `QUEUE_SESSION_INVALID`: a bad name, meta, label or snapshot data (not a JSON object, or too large);
 *   `field` is set. Nothing was stored.
 * - `QUEUE_SESSION_NOT_FOUND`: no session with that id or name (`session` is set).
 * - `QUEUE_SESSION_EXISTS`: `start` with a name already taken (`session` is set).
 * - `QUEUE_SESSION_ENDED`: `end` or `snapshot` of a session that has ended (`session` is set).
 */
export type SessionErrorCode =
  | 'QUEUE_SESSION_INVALID'
  | 'QUEUE_SESSION_NOT_FOUND'
  | 'QUEUE_SESSION_EXISTS'
  | 'QUEUE_SESSION_ENDED';

/** Options of the {@link SessionError} constructor. */
export interface SessionErrorOptions {
  /** The stable code. */
  code: SessionErrorCode;
  /** What went wrong, for a human. */
  message: string;
  /** The session id or name concerned, if any. */
  session?: string;
  /** The field concerned (`name`, `meta`, `label`, `data`), if any. */
  field?: string;
  /** The underlying error (e.g. a JSON `SyntaxError`). */
  cause?: unknown;
  /** A short "try ..." hint for the operator. */
  hint?: string;
}

/** An error about a marathon session. Check with `SessionError.isInstance(error)`, then switch on `code`. */
export class SessionError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The stable code; see {@link SessionErrorCode}. */
  declare readonly code: SessionErrorCode;
  /** The session id or name, when the error is about one. */
  readonly session: string | undefined;
  /** The field, when the error is about one. */
  readonly field: string | undefined;

  constructor({ session, field, ...options }: SessionErrorOptions) {
    super({ name, ...options });
    this.session = session;
    this.field = field;
  }

  /** True when `error` is a SessionError from any copy of @biged/queue. */
  static override isInstance(error: unknown): error is SessionError {
    return BigedError.hasMarker(error, marker);
  }
}
