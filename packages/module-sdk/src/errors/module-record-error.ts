import { BigedError } from '@biged/core';

const name = 'ModuleRecordError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** One problem with a record: the field concerned (absent for the record as a whole) and why. */
export interface ModuleRecordIssue {
  /** The field, or `undefined` when the problem is the record itself (not an object, refused by the module). */
  field?: string;
  /** What is wrong, e.g. `required`, `expected an integer, got "3"`. */
  message: string;
}

/** Options of the {@link ModuleRecordError} constructor. */
export interface ModuleRecordErrorOptions {
  /** The module whose DATA_SCHEMA refused the record. */
  module: string;
  /** Every problem found (at least one). */
  issues: readonly ModuleRecordIssue[];
  /** Overrides the message built from `issues`. */
  message?: string;
}

/**
 * A record does not fit its module's DATA_SCHEMA (or its `validateRecord`). Code `MODULE_INVALID_RECORD`;
 * `issues` lists every problem. Nothing was stored.
 */
export class ModuleRecordError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  declare readonly code: 'MODULE_INVALID_RECORD';
  /** The module whose DATA_SCHEMA refused the record. */
  readonly module: string;
  /** Every problem found. */
  readonly issues: readonly ModuleRecordIssue[];

  constructor({ module, issues, message }: ModuleRecordErrorOptions) {
    const summary = issues.map((issue) => (issue.field ? `${issue.field}: ${issue.message}` : issue.message));
    super({
      name,
      code: 'MODULE_INVALID_RECORD',
      message: message ?? `invalid ${module} record: ${summary.join('; ')}`,
    });
    this.module = module;
    this.issues = Object.freeze(issues.map((issue) => Object.freeze({ ...issue })));
  }

  /** True when `error` is a ModuleRecordError from any copy of @biged/module-sdk. */
  static override isInstance(error: unknown): error is ModuleRecordError {
    return BigedError.hasMarker(error, marker);
  }
}
