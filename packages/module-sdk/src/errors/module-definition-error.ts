import { BigedError } from '@biged/core';

const name = 'ModuleDefinitionError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Stable codes a {@link ModuleDefinitionError} carries.
 * - `MODULE_INVALID_DEFINITION`: `defineModule()` got a malformed definition (bad name, version, DATA_SCHEMA,
 *   DEPENDS_ON, a hook that is not a function, ...). `field` names the offending key, e.g. `dataSchema.fields.status.enum`.
 * - `MODULE_DUPLICATE_NAME`: two modules in one list share a name (`module` is set).
 */
export type ModuleDefinitionErrorCode = 'MODULE_INVALID_DEFINITION' | 'MODULE_DUPLICATE_NAME';

/** Options of the {@link ModuleDefinitionError} constructor. */
export interface ModuleDefinitionErrorOptions {
  /** The stable code. */
  code: ModuleDefinitionErrorCode;
  /** What is wrong, for a human. */
  message: string;
  /** The module's name as given (may be the invalid value itself). */
  module?: string;
  /** The definition key at fault, dotted (`dataSchema.table`). */
  field?: string;
  /** The underlying error, if any. */
  cause?: unknown;
  /** A short "try ..." hint. */
  hint?: string;
}

/** A module definition is malformed, or two modules share a name. */
export class ModuleDefinitionError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The stable code; see {@link ModuleDefinitionErrorCode}. */
  declare readonly code: ModuleDefinitionErrorCode;
  /** The module's name as given. */
  readonly module: string | undefined;
  /** The definition key at fault, dotted. */
  readonly field: string | undefined;

  constructor({ module, field, ...options }: ModuleDefinitionErrorOptions) {
    super({ name, ...options });
    this.module = module;
    this.field = field;
  }

  /** True when `error` is a ModuleDefinitionError from any copy of @biged/module-sdk. */
  static override isInstance(error: unknown): error is ModuleDefinitionError {
    return BigedError.hasMarker(error, marker);
  }
}
