import type { JsonSchemaV1, Logger } from '@biged/core';
import { type Skill, type SkillRegistry, z } from '@biged/skill-sdk';
import { isRefusedOffline, type NetworkMode } from '../network-mode';

// NOTE: packages/cli/README.md ("biged task") describes this schema; keep the two in sync.

/** How sure the conductor is of its interpretation, from most to least. */
export const CONDUCTOR_CONFIDENCE_LEVELS = ['high', 'medium', 'low'] as const;

/** One of `CONDUCTOR_CONFIDENCE_LEVELS`. */
export type ConductorConfidence = (typeof CONDUCTOR_CONFIDENCE_LEVELS)[number];

/** A skill the conductor may not choose, and why. */
export interface ConductorSkippedSkill {
  name: string;
  /**
   * `network`: a `requiresNetwork` skill in offline or air-gap mode; `air-gap`: not in `[fleet]
   * air_gap_skills`; `schema`: its payload schema has no JSON Schema form.
   */
  reason: 'network' | 'air-gap' | 'schema';
  /** For `schema`: what the converter said. */
  detail?: string;
}

/** Options for `buildConductorSchema`. */
export interface BuildConductorSchemaOptions {
  /** Every skill the fleet can run (`loadFleetSkills`); the conductor's choices are built from it, never hard-coded. */
  registry: Pick<SkillRegistry, 'list'>;
  /** The fleet's network mode; `offline` and `air-gap` leave out `requiresNetwork` skills. Default `online`. */
  mode?: NetworkMode;
  /** In air-gap mode only these skills are offered (`[fleet] air_gap_skills`). Default: every skill. */
  airGapSkills?: readonly string[];
  /** Where each skill left out is reported (debug level). Default: nowhere. */
  log?: Pick<Logger, 'debug'>;
}

/** The structured-output schema of the conductor and the skills it was built from. */
export interface ConductorSchema {
  /**
   * `{ task: { anyOf: [per skill: { skill: { const: name }, payload: <its JSON Schema> }] }, confidence: enum }`,
   * both required, no other keys.
   */
  schema: JsonSchemaV1;
  /** The skills the conductor may choose, in registry order (sorted by name). */
  skills: Skill[];
  /** The skills left out, and why. */
  skipped: ConductorSkippedSkill[];
}

type JsonObject = Record<string, unknown>;

/**
 * The skill's payload schema as JSON Schema, in its input form (defaults optional), without `$schema`.
 * Local definitions (`$defs`, from recursive zod schemas) are renamed `<skill>__<name>` and returned apart,
 * since inside the conductor's schema `#/$defs/...` points at the root. Throws when zod cannot convert it
 * (`z.custom`, `z.date`, a zod 3 schema, ...).
 */
export function payloadJsonSchema(skill: Skill): { schema: JsonObject; defs: JsonObject } {
  const converted = z.toJSONSchema(skill.payload, { io: 'input' }) as JsonObject;
  const { $schema: _schema, $defs, definitions, ...rest } = converted;
  const local = { ...(definitions as JsonObject | undefined), ...($defs as JsonObject | undefined) };
  const renames = new Map(Object.keys(local).map((key) => [key, `${skill.name}__${key}`]));
  const rootName = `${skill.name}__payload`;
  let selfReferenced = false;
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    const copy: JsonObject = {};
    for (const [key, value] of Object.entries(node as JsonObject)) {
      if (key !== '$ref' || typeof value !== 'string') {
        copy[key] = rewrite(value);
      } else if (value === '#') {
        // A recursive payload refers to its own root, which now sits inside the conductor's schema.
        selfReferenced = true;
        copy[key] = `#/$defs/${rootName}`;
      } else {
        const match = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(value);
        const renamed = match ? renames.get(match[1]!) : undefined;
        copy[key] = renamed ? `#/$defs/${renamed}` : value;
      }
    }
    return copy;
  };
  const schema = rewrite(rest) as JsonObject;
  const defs: JsonObject = {};
  for (const [key, value] of Object.entries(local)) defs[renames.get(key)!] = rewrite(value);
  if (selfReferenced) defs[rootName] = schema;
  return { schema, defs };
}

/**
 * Builds the conductor's structured-output schema from the skill registry: one `anyOf` branch per skill the
 * fleet may run now, `{ skill: { const: <name> }, payload: <z.toJSONSchema(skill.payload, { io: 'input' })> }`,
 * and a required `confidence` of `high`, `medium` or `low`. A `requiresNetwork` skill is left out in offline
 * and air-gap mode; a skill whose payload schema cannot be converted is left out with a debug log.
 */
export function buildConductorSchema({
  registry,
  mode = 'online',
  airGapSkills,
  log,
}: BuildConductorSchemaOptions): ConductorSchema {
  const skills: Skill[] = [];
  const skipped: ConductorSkippedSkill[] = [];
  const branches: JsonObject[] = [];
  const defs: JsonObject = {};
  for (const skill of registry.list()) {
    if (isRefusedOffline(skill, mode)) {
      skipped.push({ name: skill.name, reason: 'network' });
      log?.debug('conductor: skill left out, it needs the network', { skill: skill.name, mode });
      continue;
    }
    if (mode === 'air-gap' && airGapSkills && !airGapSkills.includes(skill.name)) {
      skipped.push({ name: skill.name, reason: 'air-gap' });
      log?.debug('conductor: skill left out, it is not on the air-gap allow-list', { skill: skill.name });
      continue;
    }
    let payload: ReturnType<typeof payloadJsonSchema>;
    try {
      payload = payloadJsonSchema(skill);
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      skipped.push({ name: skill.name, reason: 'schema', detail });
      log?.debug('conductor: skill left out, its payload schema has no JSON Schema form', {
        skill: skill.name,
        error: detail,
      });
      continue;
    }
    Object.assign(defs, payload.defs);
    skills.push(skill);
    branches.push({
      type: 'object',
      properties: { skill: { const: skill.name }, payload: payload.schema },
      required: ['skill', 'payload'],
      additionalProperties: false,
    });
  }
  const schema: JsonObject = {
    type: 'object',
    properties: {
      task: { anyOf: branches },
      confidence: { type: 'string', enum: [...CONDUCTOR_CONFIDENCE_LEVELS] },
    },
    required: ['task', 'confidence'],
    additionalProperties: false,
    ...(Object.keys(defs).length > 0 ? { $defs: defs } : {}),
  };
  return { schema, skills, skipped };
}
