import { BigedError } from '@biged/core';

const name = 'ModelOutputError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Options for `new ModelOutputError(...)`. */
export interface ModelOutputErrorOptions {
  /** The skill that asked. */
  skill: string;
  /** The provider that answered. */
  provider: string;
  /** The model that answered. */
  model: string;
  /** One line per problem, e.g. `findings[0].severity: expected one of info|low|medium|high`. */
  issues: string[];
  /** Message override. Default: `<skill>: <provider>/<model> returned an answer that ...` plus the issues. */
  message?: string;
  /** The underlying error (a zod error), if any. */
  cause?: unknown;
}

/**
 * A model answered, but not with something the skill can use: a structured answer that does not match
 * the skill's schema (the message names every bad field), an empty answer, or partial summaries that do
 * not get shorter. The task fails and nothing is written. Code: `SKILL_MODEL_OUTPUT_INVALID`.
 */
export class ModelOutputError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The skill that asked. */
  readonly skill: string;
  /** The provider that answered. */
  readonly provider: string;
  /** The model that answered. */
  readonly model: string;
  /** One line per problem. */
  readonly issues: string[];

  constructor(options: ModelOutputErrorOptions) {
    super({
      name,
      code: 'SKILL_MODEL_OUTPUT_INVALID',
      message:
        options.message ??
        `${options.skill}: ${options.provider}/${options.model} returned an answer that does not match the expected schema:\n${options.issues.map((issue) => `  - ${issue}`).join('\n')}`,
      cause: options.cause,
      hint: 'run the task again, or use a stronger model (payload "provider" / "model")',
    });
    this.skill = options.skill;
    this.provider = options.provider;
    this.model = options.model;
    this.issues = options.issues;
  }

  static override isInstance(error: unknown): error is ModelOutputError {
    return BigedError.hasMarker(error, marker);
  }
}
