import { BigedError } from '@biged/core';

const name = 'IdleCurriculumError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Codes an {@link IdleCurriculumError} carries. `IDLE_CURRICULUM_INVALID`: not TOML, or a key is wrong. */
export type IdleCurriculumErrorCode = 'IDLE_CURRICULUM_INVALID';

/** An idle curriculum file (`idle_curricula/<role>.toml`) could not be used; `file` and `field` say where. */
export class IdleCurriculumError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  declare readonly code: IdleCurriculumErrorCode;
  /** The curriculum file. */
  readonly file: string;
  /** The key concerned (`skills.0.weight`), when one is. */
  readonly field: string | undefined;

  constructor(options: {
    code: IdleCurriculumErrorCode;
    message: string;
    file: string;
    field?: string;
    cause?: unknown;
    hint?: string;
  }) {
    const { file, field, ...rest } = options;
    super({ name, ...rest });
    this.file = file;
    this.field = field;
  }

  /** True when `error` is an IdleCurriculumError from any copy of @biged/fleet. */
  static override isInstance(error: unknown): error is IdleCurriculumError {
    return BigedError.hasMarker(error, marker);
  }
}
