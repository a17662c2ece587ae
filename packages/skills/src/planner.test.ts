import { createInMemorySkillQueue, runSkill, SkillModelsUnavailableError } from '@biged/skill-sdk';
import { describe, expect, it } from 'vitest';
import { answer, scriptedRouter } from './internal/model-test-helpers';
import { PLANNER_MAX_CHILD_PAYLOAD_BYTES, PLANNER_SYSTEM_PROMPT, planner } from './planner';

const tasksOf = (count: number) =>
  Array.from({ length: count }, (_, index) => ({
    skill: index % 2 === 0 ? 'summarize' : 'web_search',
    payload: { text: `part ${index}` },
    priority: (index % 10) + 1,
  }));

describe('planner', () => {
  it('queues a 500-task explicit plan: 500 children, in order, with their priorities and payloads', async () => {
    const queue = createInMemorySkillQueue({ firstId: 100 });
    const tasks = tasksOf(500);
    const { result, spawned } = await runSkill(
      planner,
      { goal: 'everything', tasks, max_tasks: 500 },
      { queue },
    );
    expect(queue.spawned).toHaveLength(500);
    expect(spawned).toHaveLength(500);
    expect(queue.spawned.map(({ skill, payload, priority }) => ({ skill, payload, priority }))).toEqual(
      tasks,
    );
    expect(result.source).toBe('explicit');
    expect(result.children.map((child) => child.id)).toEqual(Array.from({ length: 500 }, (_, i) => 100 + i));
    expect(result.children[3]).toEqual({ id: 103, skill: 'web_search', priority: 4 });
    expect(result.tokens).toEqual({ input: 0, output: 0 });
  });

  it('gives a child without a priority the default priority 5', async () => {
    const { result } = await runSkill(planner, { goal: 'g', tasks: [{ skill: 'noop', payload: {} }] });
    expect(result.children).toEqual([{ id: 1, skill: 'noop', priority: 5 }]);
  });

  it('asks the model for a structured plan, checks it and queues it', async () => {
    const plan = {
      tasks: [
        { skill: 'web_search', payload: { query: 'local llm serving' }, priority: 8 },
        { skill: 'summarize', payload: { path: 'knowledge/research/a.md' }, priority: 3 },
      ],
    };
    const models = scriptedRouter([answer(JSON.stringify(plan), { input: 50, output: 40 }, plan)]);
    const queue = createInMemorySkillQueue();
    const { result } = await runSkill(
      planner,
      { goal: 'Survey local LLM serving', max_tasks: 5, allowed_skills: ['web_search', 'summarize'] },
      { models: models.router, queue },
    );
    const [request] = models.requests();
    expect(request?.system).toBe(PLANNER_SYSTEM_PROMPT);
    expect(request?.prompt).toContain('Plan at most 5 tasks');
    expect(request?.prompt).toContain('Use only these skills: web_search, summarize.');
    expect(request?.json).toMatchObject({ type: 'object', required: ['tasks'] });
    expect(queue.spawned.map(({ skill, priority }) => [skill, priority])).toEqual([
      ['web_search', 8],
      ['summarize', 3],
    ]);
    expect(result).toMatchObject({
      source: 'model',
      model: 'tiny',
      provider: 'local',
      tokens: { input: 50, output: 40 },
      children: [
        { id: 1, skill: 'web_search', priority: 8 },
        { id: 2, skill: 'summarize', priority: 3 },
      ],
    });
  });

  it('queues nothing when the model plan breaks a rule (too many, bad name, planner, not allowed, bad priority)', async () => {
    const bad = {
      tasks: [
        { skill: 'Web Search', payload: {}, priority: 5 },
        { skill: 'planner', payload: { goal: 'again' }, priority: 5 },
        { skill: 'code_review', payload: {}, priority: 5 },
        { skill: 'summarize', payload: [], priority: 11 },
        { skill: 'summarize', payload: {}, priority: 5 },
        { skill: 'summarize', payload: {}, priority: 5 },
      ],
    };
    const models = scriptedRouter([answer(JSON.stringify(bad), {}, bad)]);
    const queue = createInMemorySkillQueue();
    const error = await runSkill(
      planner,
      { goal: 'g', max_tasks: 5, allowed_skills: ['summarize'] },
      { models: models.router, queue },
    ).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'SKILL_MODEL_OUTPUT_INVALID' });
    const issues = (error as { issues: string[] }).issues.join('\n');
    expect(issues).toContain('tasks: Too big');
    expect(issues).toContain('tasks[0].skill: must be a skill name');
    expect(issues).toContain('tasks[1].skill: a plan may not queue the planner itself');
    expect(issues).toContain('tasks[2].skill: is not one of the allowed skills');
    expect(issues).toContain('tasks[3].payload');
    expect(issues).toContain('tasks[3].priority');
    expect(queue.spawned).toHaveLength(0);
  });

  it('refuses a model answer that is not JSON', async () => {
    const models = scriptedRouter([answer('first, search the web')]);
    await expect(runSkill(planner, { goal: 'g' }, { models: models.router })).rejects.toMatchObject({
      code: 'SKILL_MODEL_OUTPUT_INVALID',
      issues: ['the answer is not JSON'],
    });
  });

  it('needs a model router only when no tasks are given', async () => {
    await expect(runSkill(planner, { goal: 'g' })).rejects.toSatisfy((error: unknown) =>
      SkillModelsUnavailableError.isInstance(error),
    );
  });

  it.each([
    ['an empty goal', { goal: ' ' }],
    ['max_tasks under 5', { goal: 'g', max_tasks: 4 }],
    ['max_tasks over 500', { goal: 'g', max_tasks: 501 }],
    ['more tasks than max_tasks', { goal: 'g', max_tasks: 5, tasks: tasksOf(6) }],
    ['more than 500 tasks', { goal: 'g', max_tasks: 500, tasks: tasksOf(501) }],
    ['a bad skill name', { goal: 'g', tasks: [{ skill: '../x', payload: {} }] }],
    ['the planner as a child', { goal: 'g', tasks: [{ skill: 'planner', payload: {} }] }],
    ['a payload that is not an object', { goal: 'g', tasks: [{ skill: 'noop', payload: 'x' }] }],
    [
      'an oversized child payload',
      {
        goal: 'g',
        tasks: [{ skill: 'noop', payload: { echo: 'x'.repeat(PLANNER_MAX_CHILD_PAYLOAD_BYTES) } }],
      },
    ],
    ['a priority of 0', { goal: 'g', tasks: [{ skill: 'noop', payload: {}, priority: 0 }] }],
    [
      'a skill outside allowed_skills',
      { goal: 'g', tasks: [{ skill: 'noop', payload: {} }], allowed_skills: ['summarize'] },
    ],
    ['an unknown key', { goal: 'g', tasks: [{ skill: 'noop', payload: {} }], depth: 2 }],
  ])('refuses %s (PAYLOAD_SCHEMA_MISMATCH) and queues nothing', async (_, payload) => {
    const queue = createInMemorySkillQueue();
    await expect(runSkill(planner, payload as never, { queue })).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
    });
    expect(queue.spawned).toHaveLength(0);
  });
});
