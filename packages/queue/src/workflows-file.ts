import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import { WorkflowError } from './errors/workflow-error';
import { findWorkflowReferences, type WorkflowCondition } from './workflows-template';

// NOTE: packages/queue/README.md ("Workflows") documents this file format; keep both in sync.

/** Largest workflow file read: 1 MiB. */
export const MAX_WORKFLOW_FILE_BYTES = 1024 * 1024;
/** Most steps in one workflow (one `submitMany` batch). */
export const MAX_WORKFLOW_STEPS = 10_000;

const SKILL_PATTERN = /^[a-z][a-z0-9_.-]*$/;
/** Step names: usable in `$steps.<name>.result` and as `submitMany` refs. */
export const WORKFLOW_STEP_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,99}$/;
/** Workflow names: what `biged workflow run <name>` takes. */
export const WORKFLOW_NAME_PATTERN = /^[a-z][a-z0-9_.-]{0,99}$/;

const stepName = z.string().regex(WORKFLOW_STEP_NAME_PATTERN, 'a step name (letters, digits, _ and -)');
const OPERATORS = ['equals', 'not_equals', 'exists', 'truthy'] as const;

const conditionSchema = z
  .strictObject({
    step: stepName,
    path: z
      .string()
      .regex(/^(result|status)(\.[A-Za-z0-9_-]+)*$/, 'a path starting with "result" or "status"')
      .default('result'),
    equals: z.unknown().optional(),
    not_equals: z.unknown().optional(),
    exists: z.boolean().optional(),
    truthy: z.boolean().optional(),
  })
  .refine((condition) => OPERATORS.filter((operator) => operator in condition).length === 1, {
    message: 'exactly one of equals, not_equals, exists, truthy',
  });

const stepSchema = z.strictObject({
  name: stepName,
  skill: z.string().regex(SKILL_PATTERN, 'a skill name (lowercase letters, digits, _ . -)'),
  depends_on: z.array(stepName).default([]),
  payload: z.record(z.string(), z.unknown()).default({}),
  /** Overrides `[workflow] priority` for this step. */
  priority: z.number().int().min(1).max(10).optional(),
  condition: conditionSchema.optional(),
  on_failure: z.enum(['fail', 'skip']).default('fail'),
});

const workflowFileSchema = z.strictObject({
  workflow: z.strictObject({
    name: z.string().regex(WORKFLOW_NAME_PATTERN, 'a workflow name (lowercase letters, digits, _ . -)'),
    description: z.string().default(''),
    priority: z.number().int().min(1).max(10).default(5),
    vars: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name'), z.unknown()).default({}),
  }),
  steps: z.array(stepSchema).min(1, 'at least one [[steps]]').max(MAX_WORKFLOW_STEPS),
});

/** One step of a validated workflow. */
export interface WorkflowStepDefinition {
  name: string;
  skill: string;
  /** Its `depends_on`, as written. */
  depends_on: string[];
  /** The payload with `$` references unresolved (they are resolved by the worker, just before it runs). */
  payload: Record<string, unknown>;
  priority?: number | undefined;
  condition?: WorkflowCondition | undefined;
  /** What happens to the step when a step it depends on fails or is skipped. */
  on_failure: 'fail' | 'skip';
  /** Every step it waits for: `depends_on`, the steps its payload references and its condition's step. */
  needs: string[];
}

/** A validated workflow file. */
export interface WorkflowDefinition {
  name: string;
  description: string;
  /** Priority of its step tasks (1..10). */
  priority: number;
  /** Variable defaults (`[workflow.vars]`). */
  vars: Record<string, unknown>;
  steps: WorkflowStepDefinition[];
  /** The file it was read from, when it was read from one. */
  file?: string | undefined;
}

const describe = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const valueAt = (root: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>(
    (node, key) =>
      node != null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined,
    root,
  );

/**
 * Finds a dependency cycle among `needs` (step name -> the steps it waits for); returns it with the first
 * step repeated at the end, or undefined.
 */
function findCycle(needs: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  // Iterative DFS: 10000 steps in a chain must not overflow the call stack.
  for (const start of needs.keys()) {
    if (state.has(start)) continue;
    const frames: Array<{ name: string; next: number }> = [{ name: start, next: 0 }];
    state.set(start, 'visiting');
    stack.push(start);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1] as { name: string; next: number };
      const edges = needs.get(frame.name) ?? [];
      if (frame.next < edges.length) {
        const target = edges[frame.next++] as string;
        const seen = state.get(target);
        if (seen === 'visiting') return [...stack.slice(stack.indexOf(target)), target];
        if (seen === undefined) {
          state.set(target, 'visiting');
          stack.push(target);
          frames.push({ name: target, next: 0 });
        }
      } else {
        state.set(frame.name, 'done');
        stack.pop();
        frames.pop();
      }
    }
  }
  return undefined;
}

/**
 * Validates a parsed workflow document (TOML already parsed) and its step graph. Throws `WorkflowError`:
 * `WORKFLOW_INVALID` (naming `file` and the `field`), `WORKFLOW_UNKNOWN_STEP` or `WORKFLOW_CYCLE`.
 */
export function parseWorkflowDefinition(raw: unknown, file = 'workflow.toml'): WorkflowDefinition {
  const parsed = workflowFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    const path = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0] ?? ''] : issue.path;
    const field = path.map(String).join('.');
    const expected =
      issue.code === 'unrecognized_keys'
        ? 'no such key'
        : issue.message.replace(/^Invalid input: /, '').replace(/^expected /, '');
    throw new WorkflowError({
      code: 'WORKFLOW_INVALID',
      file,
      field,
      message: `${file}: ${field || '(file)'}: ${expected} (got ${describe(valueAt(raw, issue.path))})`,
      hint: 'see "Workflows" in the @biged/queue README for the file format',
    });
  }
  const { workflow, steps } = parsed.data;
  const names = new Set<string>();
  steps.forEach((step, index) => {
    if (names.has(step.name)) {
      throw new WorkflowError({
        code: 'WORKFLOW_UNKNOWN_STEP',
        file,
        field: `steps.${index}.name`,
        step: step.name,
        message: `${file}: steps.${index}.name: two steps are named "${step.name}"`,
      });
    }
    names.add(step.name);
  });
  const unknownStep = (index: number, field: string, name: string) =>
    new WorkflowError({
      code: 'WORKFLOW_UNKNOWN_STEP',
      file,
      field: `steps.${index}.${field}`,
      step: name,
      message: `${file}: steps.${index}.${field}: no step is named "${name}"`,
      hint: `the steps are: ${[...names].slice(0, 20).join(', ')}`,
    });
  const needs = new Map<string, string[]>();
  const definitions: WorkflowStepDefinition[] = steps.map((step, index) => {
    const waits = new Set<string>();
    for (const name of step.depends_on) {
      if (!names.has(name)) throw unknownStep(index, 'depends_on', name);
      waits.add(name);
    }
    for (const reference of findWorkflowReferences(step.payload)) {
      if (reference.kind !== 'step') continue;
      if (!names.has(reference.step)) throw unknownStep(index, 'payload', reference.step);
      waits.add(reference.step);
    }
    if (step.condition) {
      if (!names.has(step.condition.step)) throw unknownStep(index, 'condition.step', step.condition.step);
      waits.add(step.condition.step);
    }
    needs.set(step.name, [...waits]);
    return { ...step, condition: step.condition as WorkflowCondition | undefined, needs: [...waits] };
  });
  const cycle = findCycle(needs);
  if (cycle) {
    throw new WorkflowError({
      code: 'WORKFLOW_CYCLE',
      file,
      cycle,
      message: `${file}: the steps depend on each other in a circle: ${cycle.join(' -> ')}`,
    });
  }
  return { ...workflow, steps: definitions, file };
}

/** Parses and validates workflow TOML text; errors name `file` and the field. */
export function parseWorkflowToml(text: string, file = 'workflow.toml'): WorkflowDefinition {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (error) {
    throw new WorkflowError({
      code: 'WORKFLOW_INVALID',
      file,
      message: `${file}: not valid TOML: ${(error as Error).message.split('\n')[0]}`,
      cause: error,
    });
  }
  return parseWorkflowDefinition(raw, file);
}

/** Reads, parses and validates one workflow file (at most `MAX_WORKFLOW_FILE_BYTES`). */
export function loadWorkflowFile(file: string): WorkflowDefinition {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw new WorkflowError({
      code: 'WORKFLOW_INVALID',
      file,
      message: `${file}: cannot read it`,
      cause: error,
    });
  }
  if (size > MAX_WORKFLOW_FILE_BYTES) {
    throw new WorkflowError({
      code: 'WORKFLOW_INVALID',
      file,
      message: `${file}: ${size} bytes; a workflow file may have at most ${MAX_WORKFLOW_FILE_BYTES}`,
    });
  }
  return parseWorkflowToml(readFileSync(file, 'utf8'), file);
}

/** One entry of `listWorkflowFiles`: the workflow, or why its file could not be used. */
export type WorkflowFileEntry =
  | { file: string; definition: WorkflowDefinition; error?: undefined }
  | { file: string; definition?: undefined; error: WorkflowError };

/** Every `*.toml` file in `dir` (e.g. `<home>/workflows`), by file name; a missing folder gives none. */
export function listWorkflowFiles(dir: string): WorkflowFileEntry[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.toml'))
    .sort()
    .map((name) => {
      const file = join(dir, name);
      try {
        return { file, definition: loadWorkflowFile(file) };
      } catch (error) {
        if (!WorkflowError.isInstance(error)) throw error;
        return { file, error };
      }
    });
}

/**
 * The workflow named `name` in `dir`. Throws `WORKFLOW_NOT_FOUND`, or the file's own error when the file
 * that defines it (or is named `<name>.toml`) is invalid.
 */
export function findWorkflow(dir: string, name: string): WorkflowDefinition {
  const entries = listWorkflowFiles(dir);
  const match = entries.find((entry) => entry.definition?.name === name);
  if (match?.definition) return match.definition;
  const broken = entries.find((entry) => entry.error && entry.file.endsWith(`/${name}.toml`));
  if (broken?.error) throw broken.error;
  throw new WorkflowError({
    code: 'WORKFLOW_NOT_FOUND',
    workflow: name,
    message: `no workflow named "${name}" in ${dir}`,
    hint: 'list them with `biged workflow list`',
  });
}
