import { PayloadError } from '@biged/core';
import { parseSkillPayload, type Skill } from '@biged/skill-sdk';
import { ConductorAnswerError } from '../errors';
import { CONDUCTOR_CONFIDENCE_LEVELS, type ConductorConfidence } from './conductor-schema';

/** A conductor answer that validated: the task to dispatch and how sure the model was. */
export interface ConductorTask {
  /** The chosen skill's name. */
  skill: string;
  /** The payload as the model wrote it (it matches the skill's schema; defaults are left to the worker). */
  payload: Record<string, unknown>;
  /** How sure the model was. */
  confidence: ConductorConfidence;
}

/** Options for `parseConductorAnswer`. */
export interface ParseConductorAnswerOptions {
  /** The parsed structured output (`RouterResult.json`). */
  answer: unknown;
  /** The answer's text, quoted in the error. */
  text: string;
  /** The skills the conductor was offered (an answer naming another one is refused). */
  skills: readonly Skill[];
  /** The provider that answered (for the error). */
  provider: string;
  /** The model that answered (for the error). */
  model: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Checks the conductor's answer: `{ task: { skill, payload }, confidence }` with a skill it was offered, an
 * object payload and a known confidence, then the payload against that skill's zod schema
 * (`parseSkillPayload`). Throws `ConductorAnswerError` (`CONDUCTOR_INVALID_ANSWER`) listing every bad field;
 * an external provider may not enforce the schema, so nothing about the answer is taken on trust.
 */
export function parseConductorAnswer(options: ParseConductorAnswerOptions): ConductorTask {
  const { answer, skills } = options;
  const fail = (issues: string[], cause?: unknown): never => {
    throw new ConductorAnswerError({
      provider: options.provider,
      model: options.model,
      issues,
      answer: options.text,
      cause,
    });
  };
  if (!isObject(answer)) return fail(['(answer): expected a JSON object with "task" and "confidence"']);
  const issues: string[] = [];
  const { task, confidence } = answer;
  for (const key of Object.keys(answer)) {
    if (key !== 'task' && key !== 'confidence') issues.push(`${key}: unexpected field`);
  }
  if (!CONDUCTOR_CONFIDENCE_LEVELS.includes(confidence as ConductorConfidence)) {
    issues.push(
      `confidence: expected one of ${CONDUCTOR_CONFIDENCE_LEVELS.join(', ')}, got ${JSON.stringify(confidence) ?? 'nothing'}`,
    );
  }
  let skill: Skill | undefined;
  if (!isObject(task)) {
    issues.push(
      `task: expected an object with "skill" and "payload", got ${JSON.stringify(task) ?? 'nothing'}`,
    );
  } else {
    skill = skills.find((candidate) => candidate.name === task.skill);
    if (!skill) {
      issues.push(
        `task.skill: expected one of ${skills.map(({ name }) => name).join(', ')}, got ${JSON.stringify(task.skill) ?? 'nothing'}`,
      );
    }
    if (!isObject(task.payload)) {
      issues.push(`task.payload: expected an object, got ${JSON.stringify(task.payload) ?? 'nothing'}`);
    }
  }
  if (issues.length > 0 || !skill || !isObject(task) || !isObject(task.payload)) return fail(issues);
  try {
    parseSkillPayload(skill, task.payload);
  } catch (error) {
    if (!PayloadError.isInstance(error)) throw error;
    // parseSkillPayload lists one "  - <path>: <what>" line per bad field under its first line.
    const fields = error.message
      .split('\n')
      .slice(1)
      .map((line) => line.replace(/^\s*-\s*/, ''))
      .map(
        (line) => `task.payload${line.startsWith('(payload)') ? line.slice('(payload)'.length) : `.${line}`}`,
      );
    return fail(fields.length > 0 ? fields : [`task.payload: ${error.message}`], error);
  }
  return { skill: skill.name, payload: task.payload, confidence: confidence as ConductorConfidence };
}
