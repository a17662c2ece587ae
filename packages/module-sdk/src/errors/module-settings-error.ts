import { BigedError } from '@biged/core';

const name = 'ModuleSettingsError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * A module's settings do not pass its `settings.schema`. Code `MODULE_INVALID_SETTINGS`; `issues` lists
 * each key and what was expected. Nothing was applied.
 */
export class ModuleSettingsError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  declare readonly code: 'MODULE_INVALID_SETTINGS';
  /** The module concerned. */
  readonly module: string;
  /** One line per problem: `key: what was expected`. */
  readonly issues: readonly string[];

  constructor(options: { module: string; issues: readonly string[]; cause?: unknown }) {
    super({
      name,
      code: 'MODULE_INVALID_SETTINGS',
      message: `invalid settings for module "${options.module}": ${options.issues.join('; ')}`,
      cause: options.cause,
    });
    this.module = options.module;
    this.issues = Object.freeze([...options.issues]);
  }

  /** True when `error` is a ModuleSettingsError from any copy of @biged/module-sdk. */
  static override isInstance(error: unknown): error is ModuleSettingsError {
    return BigedError.hasMarker(error, marker);
  }
}
