import type { Skill } from '@biged/skill-sdk';
import { payloadJsonSchema } from './conductor-schema';

type JsonObject = Record<string, unknown>;

/** `path (string, required)`, `limit (integer, default 10)`: one payload field for the prompt. */
function describeField(name: string, schema: JsonObject, required: boolean): string {
  const type = Array.isArray(schema.type)
    ? schema.type.join(' | ')
    : typeof schema.type === 'string'
      ? schema.type
      : Array.isArray(schema.enum)
        ? schema.enum.map((value) => JSON.stringify(value)).join(' | ')
        : 'any';
  const parts = [type];
  if (required) parts.push('required');
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  const description = typeof schema.description === 'string' ? `: ${schema.description}` : '';
  return `${name} (${parts.join(', ')})${description}`;
}

/** The payload fields of a skill, one line, from its JSON Schema (`no fields` when it takes none). */
export function describePayload(skill: Skill): string {
  const { schema } = payloadJsonSchema(skill);
  const properties = (schema.properties ?? {}) as Record<string, JsonObject>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  const fields = Object.entries(properties).map(([name, field]) =>
    describeField(name, field, required.has(name)),
  );
  return fields.length > 0 ? fields.join('; ') : 'no fields';
}

/**
 * The conductor's system prompt: what it is for, every skill it may choose (name, description, payload
 * fields), and the rules: pick exactly one skill, fill its payload from the request only, and say
 * `low` confidence when unsure. The skills come from the same list as the schema, so the two always agree.
 */
export function buildConductorPrompt(skills: readonly Skill[]): string {
  const catalogue = skills
    .map((skill) => `- ${skill.name}: ${skill.description.trim()}\n  payload: ${describePayload(skill)}`)
    .join('\n');
  return [
    'You are the conductor of a BigEd fleet of AI workers. You turn one request from the operator into exactly one task for one of the skills below.',
    '',
    'Skills:',
    catalogue,
    '',
    'Rules:',
    '1. Pick the one skill that best does what the request asks. Use only the skills listed above.',
    "2. Fill that skill's payload with values taken from the request. Leave out optional fields the request says nothing about; never invent paths or values.",
    '3. Answer with JSON only: {"task": {"skill": "<name>", "payload": {...}}, "confidence": "high" | "medium" | "low"}.',
    '4. confidence: "high" when the request clearly asks for that skill and gives every required field; "medium" when it probably does; "low" when you are unsure or had to guess.',
  ].join('\n');
}
