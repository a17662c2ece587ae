import { BigedError } from '@biged/core';

const name = 'SkillDraftError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Options for `new SkillDraftError(...)`. */
export interface SkillDraftErrorOptions {
  /** What is wrong, naming the path. */
  message: string;
  /** The draft path refused, absolute. */
  path: string;
  /** A short "try ..." hint. */
  hint?: string;
}

/**
 * `skill_draft` refused to write a draft where a fleet would load it: the drafts folder
 * (`knowledge/code_drafts/`) lies inside one of the fleet's `[skills] dirs`, or the draft's path would
 * leave the drafts folder. Drafts are never deployed. Code: `SKILL_DRAFT_REFUSED`.
 */
export class SkillDraftError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The draft path refused, absolute. */
  readonly path: string;

  constructor(options: SkillDraftErrorOptions) {
    super({ name, code: 'SKILL_DRAFT_REFUSED', message: options.message, hint: options.hint });
    this.path = options.path;
  }

  static override isInstance(error: unknown): error is SkillDraftError {
    return BigedError.hasMarker(error, marker);
  }
}
