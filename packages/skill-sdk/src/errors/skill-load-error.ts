import { BigedError } from '@biged/core';

const name = 'SkillLoadError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * A skill file, directory or package could not be loaded: it threw on import, was not found, exports no
 * skill (packages only), or exports a skill written for another specification version.
 * Code: `SKILL_LOAD_FAILED`. The original error is the `cause`.
 */
export class SkillLoadError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The file (or directory) being loaded, when known. */
  readonly file: string | undefined;
  /** The npm package being loaded, for `loadSkillsFromPackage`. */
  readonly packageName: string | undefined;

  constructor(options: {
    message: string;
    file?: string;
    packageName?: string;
    cause?: unknown;
    hint?: string;
  }) {
    super({
      name,
      code: 'SKILL_LOAD_FAILED',
      message: options.message,
      cause: options.cause,
      hint: options.hint,
    });
    this.file = options.file;
    this.packageName = options.packageName;
  }

  static override isInstance(error: unknown): error is SkillLoadError {
    return BigedError.hasMarker(error, marker);
  }
}
