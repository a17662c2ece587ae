import { defineSkill, type Skill, z } from '@biged/skill-sdk';
import { describe, expect, it } from 'vitest';
import { ConductorAnswerError } from '../errors';
import { parseConductorAnswer } from './parse-conductor-answer';

const index = defineSkill({
  name: 'test_index',
  description: 'Indexes a folder.',
  payload: z.strictObject({ path: z.string().min(1), maxFiles: z.number().int().positive().optional() }),
  run: () => ({}),
});
const skills = [index] as Skill[];

const parse = (answer: unknown) =>
  parseConductorAnswer({ answer, text: JSON.stringify(answer), skills, provider: 'local', model: 'tiny' });

const issuesOf = (answer: unknown): readonly string[] => {
  try {
    parse(answer);
  } catch (error) {
    if (ConductorAnswerError.isInstance(error)) return error.issues;
    throw error;
  }
  throw new Error('expected a ConductorAnswerError');
};

describe('parseConductorAnswer', () => {
  it('returns the task and confidence of a valid answer, the payload as written', () => {
    expect(parse({ task: { skill: 'test_index', payload: { path: 'src' } }, confidence: 'medium' })).toEqual({
      skill: 'test_index',
      payload: { path: 'src' },
      confidence: 'medium',
    });
  });

  it("lists every bad field of the payload, from the skill's zod schema", () => {
    expect(
      issuesOf({
        task: { skill: 'test_index', payload: { path: '', maxFiles: -1, extra: 1 } },
        confidence: 'high',
      }),
    ).toEqual([
      'task.payload.path: Too small: expected string to have >=1 characters',
      'task.payload.maxFiles: Too small: expected number to be >0',
      'task.payload: Unrecognized key: "extra"',
    ]);
  });

  it.each([
    ['not an object', [1, 2], ['(answer): expected a JSON object with "task" and "confidence"']],
    [
      'an unknown skill and a bad confidence',
      { task: { skill: 'web_search', payload: {} }, confidence: 'sure' },
      [
        'confidence: expected one of high, medium, low, got "sure"',
        'task.skill: expected one of test_index, got "web_search"',
      ],
    ],
    [
      'a missing task and an extra key',
      { confidence: 'high', reason: 'x' },
      ['reason: unexpected field', 'task: expected an object with "skill" and "payload", got nothing'],
    ],
    [
      'a payload that is not an object',
      { task: { skill: 'test_index', payload: 'src' }, confidence: 'low' },
      ['task.payload: expected an object, got "src"'],
    ],
  ])('refuses %s, naming each bad field', (_name, answer, issues) => {
    expect(issuesOf(answer)).toEqual(issues);
  });

  it('quotes the answer and points at the JSON form in the error', () => {
    const error = (() => {
      try {
        parse({ task: { skill: 'nope', payload: {} }, confidence: 'high' });
      } catch (caught) {
        return caught as ConductorAnswerError;
      }
    })();
    expect(error?.code).toBe('CONDUCTOR_INVALID_ANSWER');
    expect(error?.message).toContain(
      'the conductor model (local/tiny) answered with a task that does not validate',
    );
    expect(error?.message).toContain('its answer: "{\\"task\\":{\\"skill\\":\\"nope\\"');
    expect(error?.hint).toContain(`biged task '{"skill":"<skill>", ...}'`);
  });
});
