import { defineSkill, SKILL_NAME_PATTERN, z } from '@biged/skill-sdk';
import { ModelOutputError } from './errors/model-output-error';
import {
  createModelAsker,
  modelChoice,
  modelChoiceFields,
  requireModels,
  type TokenTotals,
} from './internal/model-skill';
import { askStructured } from './internal/structured-answer';

/** Fewest and most child tasks one plan may queue (the manual: "queues 5-500 tasks"). */
export const PLANNER_MAX_TASKS_RANGE = { min: 5, max: 500 } as const;

/** Largest payload of one child task, as JSON: 64 KiB. */
export const PLANNER_MAX_CHILD_PAYLOAD_BYTES = 64 * 1024;

/** Skills a plan may never queue: a planner spawning planners would fan out without bound. */
export const PLANNER_FORBIDDEN_SKILLS: readonly string[] = ['planner'];

/** The system prompt of the planning call. */
export const PLANNER_SYSTEM_PROMPT =
  'You plan work for a fleet of AI workers. Split the goal into concrete, independent tasks, each run by ' +
  'one skill with a JSON payload that skill accepts. Give each a priority from 1 (lowest) to 10 (highest); ' +
  'tasks that unblock others get higher priorities. Answer with JSON that follows the given schema.';

/** One child task of a plan. */
export interface PlannedTask {
  /** The skill it runs. */
  skill: string;
  /** Its payload (the skill validates it when the task runs). */
  payload: Record<string, unknown>;
  /** 1 (lowest) to 10 (highest). */
  priority: number;
}

/** What `planner` returns. */
export interface PlannerResult {
  /** The goal planned. */
  goal: string;
  /** `explicit` when the payload listed the tasks, `model` when a model wrote the plan. */
  source: 'explicit' | 'model';
  /** The child tasks queued, in order, with the ids the queue gave them. */
  children: Array<{ id: number; skill: string; priority: number }>;
  /** The model that planned (model plans only). */
  model?: string;
  /** The provider that answered (model plans only). */
  provider?: string;
  /** Tokens used (zero for explicit plans). */
  tokens: TokenTotals;
}

const skillName = z
  .string()
  .regex(
    SKILL_NAME_PATTERN,
    'must be a skill name: lower case letters, digits and "_", starting with a letter',
  )
  .max(64)
  .refine((name) => !PLANNER_FORBIDDEN_SKILLS.includes(name), {
    message: 'a plan may not queue the planner itself',
  });

const childPayload = z
  .record(z.string(), z.unknown())
  .refine((payload) => Buffer.byteLength(JSON.stringify(payload)) <= PLANNER_MAX_CHILD_PAYLOAD_BYTES, {
    message: `is over ${PLANNER_MAX_CHILD_PAYLOAD_BYTES} bytes as JSON`,
  });

/** The zod schema of one planned task (explicit lists and model answers both pass it). */
export function plannedTaskSchema(allowedSkills?: readonly string[]) {
  const skill =
    allowedSkills === undefined
      ? skillName
      : skillName.refine((name) => allowedSkills.includes(name), {
          message: `is not one of the allowed skills (${allowedSkills.join(', ')})`,
        });
  return z.strictObject({
    skill,
    payload: childPayload,
    priority: z.number().int().min(1).max(10).default(5),
  });
}

const payloadSchema = z
  .strictObject({
    /** What the plan is for, 1..4000 characters. */
    goal: z.string().trim().min(1).max(4000),
    /** The tasks to queue, as given: no model call. Default: a model writes the plan. */
    tasks: z.array(plannedTaskSchema()).min(1).max(PLANNER_MAX_TASKS_RANGE.max).optional(),
    /** Most tasks the plan may queue, 5..500. Default 50. */
    max_tasks: z.number().int().min(PLANNER_MAX_TASKS_RANGE.min).max(PLANNER_MAX_TASKS_RANGE.max).default(50),
    /** Skills the plan may use (each child's skill must be one of them). Default: any skill name. */
    allowed_skills: z.array(skillName).min(1).max(200).optional(),
    ...modelChoiceFields,
  })
  .superRefine((payload, context) => {
    if (payload.tasks !== undefined && payload.tasks.length > payload.max_tasks) {
      context.addIssue({
        code: 'custom',
        path: ['tasks'],
        message: `lists ${payload.tasks.length} tasks, over max_tasks (${payload.max_tasks})`,
      });
    }
    if (payload.tasks !== undefined && payload.allowed_skills !== undefined) {
      payload.tasks.forEach((task, index) => {
        if (!payload.allowed_skills!.includes(task.skill)) {
          context.addIssue({
            code: 'custom',
            path: ['tasks', index, 'skill'],
            message: `"${task.skill}" is not one of allowed_skills`,
          });
        }
      });
    }
  });

/** The zod schema of a model's plan with at most `maxTasks` tasks. */
export function planSchema(maxTasks: number, allowedSkills?: readonly string[]) {
  return z.strictObject({
    tasks: z.array(plannedTaskSchema(allowedSkills)).min(1).max(maxTasks),
  });
}

/**
 * `planner`: turns a goal into child tasks and queues them with `ctx.queue.spawn` (the host links each to
 * this task as its parent) at their priorities. The tasks come from the payload (`tasks`) or from one
 * structured-output model call; either way every child is checked (a skill name, not `planner`, one of
 * `allowed_skills` when given, an object payload of at most 64 KiB, priority 1..10) before any is queued,
 * so a bad plan queues nothing. The skill registry is not reachable from a skill's context: an unknown
 * skill name is refused by the host when the child runs (`SKILL_NOT_FOUND`), unless `allowed_skills`
 * restricts the plan up front.
 */
export const planner = defineSkill({
  name: 'planner',
  description:
    'Plans a workload: queues 5-500 child tasks (payload tasks, or a model-written plan for goal) with parent links and priorities; returns the child ids.',
  payload: payloadSchema,
  roles: ['planner'],
  async run(payload, ctx): Promise<PlannerResult> {
    let tasks: PlannedTask[];
    let source: PlannerResult['source'];
    let answeredBy: { model: string; provider: string } | undefined;
    const tokens: TokenTotals = { input: 0, output: 0 };
    if (payload.tasks !== undefined) {
      tasks = payload.tasks;
      source = 'explicit';
    } else {
      requireModels(ctx, 'planner');
      const { tally, ask } = createModelAsker(ctx, 'planner');
      const allowed =
        payload.allowed_skills === undefined
          ? "Use the fleet's skill names (for example summarize, web_search, code_review)."
          : `Use only these skills: ${payload.allowed_skills.join(', ')}.`;
      ctx.signal.throwIfAborted();
      const { value, result } = await askStructured({
        skill: 'planner',
        ask,
        schema: planSchema(payload.max_tasks, payload.allowed_skills),
        request: {
          system: PLANNER_SYSTEM_PROMPT,
          prompt: `Plan at most ${payload.max_tasks} tasks for this goal. ${allowed}\n\n<goal>\n${payload.goal}\n</goal>`,
          maxOutputTokens: Math.min(32_768, 256 + payload.max_tasks * 120),
          temperature: 0.2,
          ...modelChoice(payload),
        },
      });
      if (value.tasks.length === 0) {
        throw new ModelOutputError({
          skill: 'planner',
          provider: result.provider,
          model: result.model,
          issues: ['tasks: the plan is empty'],
        });
      }
      tasks = value.tasks;
      source = 'model';
      answeredBy = { model: result.model, provider: result.provider };
      tokens.input = tally.tokens.input;
      tokens.output = tally.tokens.output;
    }

    const children: PlannerResult['children'] = [];
    for (const task of tasks) {
      ctx.signal.throwIfAborted();
      const id = await ctx.queue.spawn({ skill: task.skill, payload: task.payload, priority: task.priority });
      children.push({ id, skill: task.skill, priority: task.priority });
    }
    ctx.log.info('planner: child tasks queued', { source, children: children.length });
    return { goal: payload.goal, source, children, ...answeredBy, tokens };
  },
});
