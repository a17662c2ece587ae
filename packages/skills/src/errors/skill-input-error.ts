import { BigedError } from '@biged/core';

const name = 'SkillInputError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Why a skill refused a file or document it was given. */
export type SkillInputErrorCode =
  | 'SKILL_INPUT_EMPTY'
  | 'SKILL_INPUT_TOO_LARGE'
  | 'SKILL_INPUT_BINARY'
  | 'SKILL_INPUT_NOT_A_FILE'
  | 'SKILL_INPUT_TOO_MANY';

/** Options for `new SkillInputError(...)`. */
export interface SkillInputErrorOptions {
  /** Why the input was refused. */
  code: SkillInputErrorCode;
  /** The skill that refused it. */
  skill: string;
  /** What is wrong, naming the file and the limit. */
  message: string;
  /** The file or folder refused, absolute, when there is one. */
  path?: string;
  /** Its size (bytes, or files for `SKILL_INPUT_TOO_MANY`), when that is the problem. */
  size?: number;
  /** The limit it broke, in the same unit as `size`. */
  limit?: number;
  /** A short "try ..." hint. */
  hint?: string;
}

/**
 * A skill refused the document it was given, before calling any model: the file is empty, larger than the
 * skill's byte limit (refused, never truncated silently), binary, not a regular file, or (for a folder)
 * holds more files than the skill takes. Codes: `SKILL_INPUT_EMPTY`, `SKILL_INPUT_TOO_LARGE`,
 * `SKILL_INPUT_BINARY`, `SKILL_INPUT_NOT_A_FILE`, `SKILL_INPUT_TOO_MANY`.
 */
export class SkillInputError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The skill that refused the input. */
  readonly skill: string;
  /** The file or folder refused, absolute; undefined for inline text. */
  readonly path: string | undefined;
  /** Its size, when that is the problem. */
  readonly size: number | undefined;
  /** The limit it broke. */
  readonly limit: number | undefined;

  constructor(options: SkillInputErrorOptions) {
    super({ name, code: options.code, message: options.message, hint: options.hint });
    this.skill = options.skill;
    this.path = options.path;
    this.size = options.size;
    this.limit = options.limit;
  }

  static override isInstance(error: unknown): error is SkillInputError {
    return BigedError.hasMarker(error, marker);
  }
}
