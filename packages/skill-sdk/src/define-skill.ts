import type { z } from 'zod';
import { SkillDefinitionError } from './errors/skill-definition-error';
import type { SkillContext, SkillPayloadSchema, SkillV1 } from './skill-v1';

/** A skill of the current specification version. */
export type Skill<Schema extends SkillPayloadSchema = SkillPayloadSchema, Result = unknown> = SkillV1<
  Schema,
  Result
>;

/** The pattern every skill name matches: lower case, digits and `_`, starting with a letter. */
export const SKILL_NAME_PATTERN: RegExp = /^[a-z][a-z0-9_]*$/;

/** The default skill timeout: 600 000 ms (10 minutes), as in the original worker. */
export const DEFAULT_SKILL_TIMEOUT_MS = 600_000;

/** Options for `defineSkill`. */
export interface DefineSkillOptions<Schema extends SkillPayloadSchema, Result> {
  /** Unique name matching `/^[a-z][a-z0-9_]*$/`, e.g. `code_index`. */
  name: string;
  /** What the skill does and returns, in a sentence or two. */
  description: string;
  /** Zod schema of the payload; `run` receives its parsed output (defaults applied). */
  payload: Schema;
  /** Set when the skill needs the internet (refused in offline / air-gap mode). Default `false`. */
  requiresNetwork?: boolean;
  /** Run time limit in milliseconds. Default `600_000` (10 minutes). */
  timeoutMs?: number;
  /** Roles the skill suits, e.g. `['coder']`. Informational. Default `[]`. */
  roles?: readonly string[];
  /** Does the work; returns a JSON-serialisable value (or a promise of one). */
  run: (payload: z.output<Schema>, context: SkillContext) => Result | Promise<Result>;
}

const invalid = (skill: string | undefined, message: string) =>
  new SkillDefinitionError({ code: 'SKILL_INVALID_DEFINITION', skill, message });

/**
 * Defines a skill. Validates the definition (throws `SkillDefinitionError`, code
 * `SKILL_INVALID_DEFINITION`, naming what is wrong) and returns a frozen `Skill` with
 * `specificationVersion: 'v1'` and the defaults filled in. The payload type of `run` is inferred from
 * the zod schema.
 *
 * @example
 * ```ts
 * export const hello = defineSkill({
 *   name: 'hello',
 *   description: 'Greets someone; returns { greeting }.',
 *   payload: z.object({ who: z.string().default('world') }),
 *   run: ({ who }) => ({ greeting: `hello ${who}` }),
 * });
 * ```
 */
export function defineSkill<Schema extends SkillPayloadSchema, Result>(
  options: DefineSkillOptions<Schema, Result>,
): Skill<Schema, Awaited<Result>> {
  const {
    name,
    description,
    payload,
    requiresNetwork = false,
    timeoutMs = DEFAULT_SKILL_TIMEOUT_MS,
    roles = [],
    run,
  } = options;
  if (typeof name !== 'string' || !SKILL_NAME_PATTERN.test(name)) {
    throw new SkillDefinitionError({
      code: 'SKILL_INVALID_DEFINITION',
      skill: typeof name === 'string' ? name : undefined,
      message: `invalid skill name ${JSON.stringify(name)}: use lower case letters, digits and "_", starting with a letter (e.g. "code_index")`,
    });
  }
  if (typeof description !== 'string' || description.trim() === '') {
    throw invalid(name, `skill "${name}" needs a non-empty description`);
  }
  if (payload == null || typeof (payload as { safeParse?: unknown }).safeParse !== 'function') {
    throw invalid(name, `skill "${name}": payload must be a zod schema, e.g. z.object({ ... })`);
  }
  if (typeof run !== 'function') {
    throw invalid(name, `skill "${name}": run must be a function (payload, ctx) => result`);
  }
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0)) {
    throw invalid(
      name,
      `skill "${name}": timeoutMs must be a positive number of milliseconds, got ${timeoutMs}`,
    );
  }
  if (typeof requiresNetwork !== 'boolean') {
    throw invalid(name, `skill "${name}": requiresNetwork must be true or false`);
  }
  if (!Array.isArray(roles) || roles.some((role) => typeof role !== 'string')) {
    throw invalid(name, `skill "${name}": roles must be an array of role names`);
  }
  return Object.freeze({
    specificationVersion: 'v1' as const,
    name,
    description,
    payload,
    requiresNetwork,
    timeoutMs,
    roles: Object.freeze([...roles]),
    // The cast only widens `Result | Promise<Result>` to the awaited form the contract states.
    run: run as Skill<Schema, Awaited<Result>>['run'],
  });
}

/**
 * True when `value` looks like a skill of specification v1: `specificationVersion === 'v1'`, a string
 * `name`, a `run` function and a `payload` schema with `safeParse`. Checked by shape, not `instanceof`,
 * so skills built against another copy of the SDK are recognised.
 */
export function isSkill(value: unknown): value is Skill {
  if (value == null || typeof value !== 'object') return false;
  const candidate = value as Partial<Record<keyof Skill, unknown>>;
  return (
    candidate.specificationVersion === 'v1' &&
    typeof candidate.name === 'string' &&
    typeof candidate.run === 'function' &&
    candidate.payload != null &&
    typeof (candidate.payload as { safeParse?: unknown }).safeParse === 'function'
  );
}
