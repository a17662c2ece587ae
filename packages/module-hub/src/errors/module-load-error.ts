import { BigedError } from '@biged/core';

const name = 'ModuleLoadError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * An installed module could not be loaded: module.json is missing or invalid, the entry file is missing
 * or lies outside the module folder, importing it threw, or it exports no module of specification v1 (or
 * one whose name is not its folder's). Code `MODULE_LOAD_FAILED`; the original error is the `cause`.
 */
export class ModuleLoadError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  declare readonly code: 'MODULE_LOAD_FAILED';
  /** The module (its folder name). */
  readonly module: string;
  /** The module folder. */
  readonly dir: string;

  constructor(options: { module: string; dir: string; message: string; cause?: unknown; hint?: string }) {
    super({
      name,
      code: 'MODULE_LOAD_FAILED',
      message: options.message,
      cause: options.cause,
      hint: options.hint,
    });
    this.module = options.module;
    this.dir = options.dir;
  }

  /** True when `error` is a ModuleLoadError from any copy of @biged/module-hub. */
  static override isInstance(error: unknown): error is ModuleLoadError {
    return BigedError.hasMarker(error, marker);
  }
}
