const marker = 'biged.error';
const symbol = Symbol.for(marker);

/** Options every BigedError accepts. */
export interface BigedErrorOptions {
  /** Stable, machine-readable code, e.g. `QUEUE_TASK_NOT_FOUND`. Scripts and HTTP mappings key on it. */
  code: string;
  /** Human-readable message. Say what went wrong and, where possible, what to do. */
  message: string;
  /** The underlying error, if this one wraps another. */
  cause?: unknown;
  /** Overrides the error's `name`; subclasses set it. */
  name?: string;
  /** A short "try ..." hint the CLI prints under the message. */
  hint?: string;
}

/**
 * Base class of every error BigEd raises on purpose.
 *
 * Packages are versioned independently, so two copies of @biged/core can live in one process;
 * `instanceof` would then fail. Use `BigedError.isInstance(error)` (or a subclass's `isInstance`),
 * which checks a `Symbol.for` marker instead.
 */
export class BigedError extends Error {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;

  /** Stable code: see the subclasses for the codes they use. */
  readonly code: string;
  /** A short "try ..." hint shown to the operator, if any. */
  readonly hint: string | undefined;
  override readonly cause: unknown;

  constructor({ code, message, cause, name = 'BigedError', hint }: BigedErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = name;
    this.code = code;
    this.cause = cause;
    this.hint = hint;
  }

  /** True when `error` is a BigedError from any copy of @biged/core. */
  static isInstance(error: unknown): error is BigedError {
    return BigedError.hasMarker(error, marker);
  }

  /** @internal used by subclasses to check their own marker. */
  protected static hasMarker(error: unknown, markerName: string): boolean {
    return (
      error != null &&
      typeof error === 'object' &&
      Symbol.for(markerName) in error &&
      (error as Record<symbol, unknown>)[Symbol.for(markerName)] === true
    );
  }

  /** A plain JSON shape for `--json` output, logs and HTTP bodies. */
  toJSON(): { name: string; code: string; message: string; hint?: string } {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
    };
  }
}
