import type { RouterResult } from '@biged/core';
import type { SkillModelRequest, z } from '@biged/skill-sdk';
import { ModelOutputError } from '../errors/model-output-error';
import { describeIssues, jsonSchemaOf } from './model-skill';

/** Options for `askStructured`. */
export interface AskStructuredOptions<Schema extends z.ZodType> {
  /** The skill asking (errors name it). */
  skill: string;
  /** Calls the model (see `createModelAsker`). */
  ask(request: SkillModelRequest): Promise<RouterResult>;
  /** The request without `json`: the schema's JSON form is added. */
  request: Omit<SkillModelRequest, 'json'>;
  /** What the answer must match; sent to the model as a JSON schema and checked afterwards. */
  schema: Schema;
}

/**
 * One structured-output call: sends `schema` as the request's JSON schema (`z.toJSONSchema`), takes
 * `result.json` (or parses the text when the provider gave none) and checks it against the same schema. An
 * answer that is not JSON, or does not match, is a `ModelOutputError` naming every bad field.
 */
export async function askStructured<Schema extends z.ZodType>(
  options: AskStructuredOptions<Schema>,
): Promise<{ value: z.output<Schema>; result: RouterResult }> {
  const { skill, ask, request, schema } = options;
  const result = await ask({ ...request, json: jsonSchemaOf(schema) });
  let answer: unknown = result.json;
  if (answer === undefined) {
    try {
      answer = JSON.parse(result.text);
    } catch (error) {
      throw new ModelOutputError({
        skill,
        provider: result.provider,
        model: result.model,
        issues: ['the answer is not JSON'],
        message: `${skill}: ${result.provider}/${result.model} did not answer with JSON: ${JSON.stringify(result.text.slice(0, 120))}`,
        cause: error,
      });
    }
  }
  const parsed = schema.safeParse(answer);
  if (!parsed.success) {
    throw new ModelOutputError({
      skill,
      provider: result.provider,
      model: result.model,
      issues: describeIssues(parsed.error),
      cause: parsed.error,
    });
  }
  return { value: parsed.data, result };
}
