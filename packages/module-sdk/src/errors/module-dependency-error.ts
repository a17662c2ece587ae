import { BigedError } from '@biged/core';

const name = 'ModuleDependencyError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Stable codes a {@link ModuleDependencyError} carries.
 * - `MODULE_DEPENDENCY_MISSING`: a module's DEPENDS_ON names a module that is not there. `chain` runs from
 *   the module that needed it to the missing name (`['report', 'crm', 'contacts']`).
 * - `MODULE_DEPENDENCY_CYCLE`: modules depend on each other in a circle. `chain` lists it with the first
 *   name repeated at the end (`['a', 'b', 'a']`).
 */
export type ModuleDependencyErrorCode = 'MODULE_DEPENDENCY_MISSING' | 'MODULE_DEPENDENCY_CYCLE';

/** Options of the {@link ModuleDependencyError} constructor. */
export interface ModuleDependencyErrorOptions {
  /** The stable code. */
  code: ModuleDependencyErrorCode;
  /** What is wrong, naming the chain. */
  message: string;
  /** The module whose dependencies cannot be met. */
  module: string;
  /** The dependency chain (see the codes). */
  chain: readonly string[];
  /** A short "try ..." hint. */
  hint?: string;
}

/** DEPENDS_ON cannot be satisfied: a missing module or a cycle. */
export class ModuleDependencyError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The stable code; see {@link ModuleDependencyErrorCode}. */
  declare readonly code: ModuleDependencyErrorCode;
  /** The module whose dependencies cannot be met. */
  readonly module: string;
  /** The dependency chain: to the missing name, or around the cycle (first name repeated last). */
  readonly chain: readonly string[];

  constructor({ module, chain, ...options }: ModuleDependencyErrorOptions) {
    super({ name, ...options });
    this.module = module;
    this.chain = Object.freeze([...chain]);
  }

  /** True when `error` is a ModuleDependencyError from any copy of @biged/module-sdk. */
  static override isInstance(error: unknown): error is ModuleDependencyError {
    return BigedError.hasMarker(error, marker);
  }
}
