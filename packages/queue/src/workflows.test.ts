// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${name}` is the workflow payload syntax under test
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '@biged/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueue } from './create-queue';
import { WorkflowError } from './errors/workflow-error';
import type { TaskQueue } from './task-queue';
import { createWorkflowStore, type WorkflowStore, workflowRunStatus } from './workflows';
import { findWorkflow, listWorkflowFiles, parseWorkflowToml } from './workflows-file';
import { evaluateWorkflowCondition, resolveWorkflowPayload } from './workflows-template';

const START = Date.parse('2025-01-01T00:00:00.000Z');
const open: TaskQueue[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const queue of open.splice(0)) queue.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function setup() {
  const queue = createQueue({ file: ':memory:', clock: () => START });
  open.push(queue);
  return { queue, store: createWorkflowStore({ queue }) };
}

function expectWorkflowError(run: () => unknown, code: string): WorkflowError {
  try {
    run();
  } catch (error) {
    expect(WorkflowError.isInstance(error)).toBe(true);
    expect((error as WorkflowError).code).toBe(code);
    return error as WorkflowError;
  }
  throw new Error(`expected ${code}, nothing was thrown`);
}

/**
 * What a fleet worker does with a workflow step (packages/fleet/src/workflow-step.ts does the same):
 * resolve the payload from the run's vars and earlier results, test the condition, then run `execute`.
 */
function runAll(
  queue: TaskQueue,
  store: WorkflowStore,
  execute: (task: Task, payload: Record<string, unknown>) => unknown = (_task, payload) => ({
    echo: payload,
  }),
): Map<string, number> {
  const runs = new Map<string, number>();
  for (let task = queue.claim({ agent: 'w' }); task; task = queue.claim({ agent: 'w' })) {
    const step = store.stepOf(task.id);
    let payload = task.payload;
    if (step) {
      if (step.condition) {
        const outcome = store.stepOutcome(step.runId, step.condition.step);
        if (!outcome || !evaluateWorkflowCondition(step.condition, outcome)) {
          store.skip(task.id, 'w', 'condition false');
          continue;
        }
      }
      payload = resolveWorkflowPayload(task.payload, {
        vars: step.vars,
        step: (name) => store.stepOutcome(step.runId, name),
      });
      runs.set(step.name, (runs.get(step.name) ?? 0) + 1);
    }
    queue.complete(task.id, 'w', execute(task, payload));
  }
  return runs;
}

const DIAMOND = `
[workflow]
name = "diamond"
description = "a, then b and c, then d"
priority = 7
[workflow.vars]
topic = "cats"

[[steps]]
name = "a"
skill = "noop"
payload = { topic = "$topic" }

[[steps]]
name = "b"
skill = "noop"
depends_on = ["a"]
payload = { from_a = "$steps.a.result.echo.topic" }

[[steps]]
name = "c"
skill = "noop"
depends_on = ["a"]
payload = { text = "about \${topic} (\${steps.a.result.echo.topic}) costs $$5" }

[[steps]]
name = "d"
skill = "noop"
depends_on = ["b", "c"]
payload = { b = "$steps.b.result", n = "$count" }
`;

describe('workflow files', () => {
  it('parses a workflow and works out what each step waits for', () => {
    const definition = parseWorkflowToml(DIAMOND, 'diamond.toml');
    expect(definition.name).toBe('diamond');
    expect(definition.priority).toBe(7);
    expect(definition.steps.map((step) => [step.name, step.needs])).toEqual([
      ['a', []],
      ['b', ['a']],
      ['c', ['a']],
      ['d', ['b', 'c']],
    ]);
  });

  it('adds steps referenced by $steps or a condition to the dependencies', () => {
    const definition = parseWorkflowToml(
      `[workflow]
name = "refs"
[[steps]]
name = "a"
skill = "noop"
[[steps]]
name = "b"
skill = "noop"
[[steps]]
name = "c"
skill = "noop"
payload = { x = "$steps.a.result" }
condition = { step = "b", truthy = true }`,
    );
    expect(definition.steps[2]?.needs).toEqual(['a', 'b']);
  });

  it('refuses a file that is not TOML, naming the file', () => {
    const error = expectWorkflowError(
      () => parseWorkflowToml('[workflow\nname = 1', 'bad.toml'),
      'WORKFLOW_INVALID',
    );
    expect(error.file).toBe('bad.toml');
    expect(error.message).toMatch(/^bad\.toml: not valid TOML/);
  });

  it.each([
    ['a missing skill', '[workflow]\nname = "x"\n[[steps]]\nname = "a"', 'steps.0.skill'],
    [
      'a mistyped depends_on',
      '[workflow]\nname = "x"\n[[steps]]\nname = "a"\nskill = "noop"\ndepends_on = "b"',
      'steps.0.depends_on',
    ],
    [
      'an unknown key',
      '[workflow]\nname = "x"\n[[steps]]\nname = "a"\nskill = "noop"\nretries = 3',
      'steps.0.retries',
    ],
    [
      'a bad priority',
      '[workflow]\nname = "x"\npriority = 11\n[[steps]]\nname = "a"\nskill = "noop"',
      'workflow.priority',
    ],
    ['no steps', '[workflow]\nname = "x"', 'steps'],
    [
      'a bad on_failure',
      '[workflow]\nname = "x"\n[[steps]]\nname = "a"\nskill = "noop"\non_failure = "retry"',
      'steps.0.on_failure',
    ],
    [
      'a condition with two operators',
      '[workflow]\nname = "x"\n[[steps]]\nname = "a"\nskill = "noop"\n[[steps]]\nname = "b"\nskill = "noop"\ncondition = { step = "a", equals = 1, truthy = true }',
      'steps.1.condition',
    ],
  ])('refuses %s, naming the field', (_label, text, field) => {
    const error = expectWorkflowError(() => parseWorkflowToml(text, 'w.toml'), 'WORKFLOW_INVALID');
    expect(error.field).toBe(field);
    expect(error.message).toContain(`w.toml: ${field}`);
  });

  it.each([
    ['depends_on', 'depends_on = ["zz"]', 'steps.1.depends_on'],
    ['a $steps reference', 'payload = { x = "$steps.zz.result" }', 'steps.1.payload'],
    ['a condition', 'condition = { step = "zz", exists = true }', 'steps.1.condition.step'],
  ])('refuses a step that names an unknown step in %s', (_label, line, field) => {
    const text = `[workflow]\nname = "x"\n[[steps]]\nname = "a"\nskill = "noop"\n[[steps]]\nname = "b"\nskill = "noop"\n${line}`;
    const error = expectWorkflowError(() => parseWorkflowToml(text, 'w.toml'), 'WORKFLOW_UNKNOWN_STEP');
    expect(error.field).toBe(field);
    expect(error.step).toBe('zz');
  });

  it('refuses two steps with one name', () => {
    const text =
      '[workflow]\nname = "x"\n[[steps]]\nname = "a"\nskill = "noop"\n[[steps]]\nname = "a"\nskill = "noop"';
    expectWorkflowError(() => parseWorkflowToml(text), 'WORKFLOW_UNKNOWN_STEP');
  });

  it('refuses a cycle, naming its steps', () => {
    const text = `[workflow]
name = "loop"
[[steps]]
name = "a"
skill = "noop"
depends_on = ["c"]
[[steps]]
name = "b"
skill = "noop"
depends_on = ["a"]
[[steps]]
name = "c"
skill = "noop"
payload = { x = "$steps.b.result" }`;
    const error = expectWorkflowError(() => parseWorkflowToml(text, 'loop.toml'), 'WORKFLOW_CYCLE');
    expect(error.cycle).toEqual(['a', 'c', 'b', 'a']);
    expect(error.message).toContain('a -> c -> b -> a');
  });

  it('refuses a step that depends on itself', () => {
    const text = '[workflow]\nname = "x"\n[[steps]]\nname = "a"\nskill = "noop"\ndepends_on = ["a"]';
    expect(expectWorkflowError(() => parseWorkflowToml(text), 'WORKFLOW_CYCLE').cycle).toEqual(['a', 'a']);
  });

  it('lists the files of a folder, reporting broken ones, and finds a workflow by name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'biged-workflows-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'diamond.toml'), DIAMOND);
    writeFileSync(join(dir, 'broken.toml'), '[workflow]\nname = 3');
    writeFileSync(join(dir, 'notes.txt'), 'not a workflow');
    const entries = listWorkflowFiles(dir);
    expect(
      entries.map((entry) => [entry.file.slice(dir.length + 1), entry.definition?.name, entry.error?.code]),
    ).toEqual([
      ['broken.toml', undefined, 'WORKFLOW_INVALID'],
      ['diamond.toml', 'diamond', undefined],
    ]);
    expect(findWorkflow(dir, 'diamond').file).toBe(join(dir, 'diamond.toml'));
    expect(expectWorkflowError(() => findWorkflow(dir, 'broken'), 'WORKFLOW_INVALID').file).toBe(
      join(dir, 'broken.toml'),
    );
    expectWorkflowError(() => findWorkflow(dir, 'nope'), 'WORKFLOW_NOT_FOUND');
    expect(listWorkflowFiles(join(dir, 'missing'))).toEqual([]);
  });
});

describe('workflow runs', () => {
  it('runs a diamond: one run row, four step tasks, results passed to later payloads', () => {
    const { queue, store } = setup();
    const run = store.startRun({
      definition: parseWorkflowToml(DIAMOND),
      vars: { count: 3 },
      skills: ['noop'],
    });
    expect(run.status).toBe('RUNNING');
    expect(run.vars).toEqual({ topic: 'cats', count: 3 });
    expect(run.steps.map((step) => [step.name, step.status])).toEqual([
      ['a', 'PENDING'],
      ['b', 'BLOCKED'],
      ['c', 'BLOCKED'],
      ['d', 'BLOCKED'],
    ]);
    const d = run.steps[3]?.task_id as number;
    expect(queue.dependencies(d).dependsOn).toEqual([run.steps[1]?.task_id, run.steps[2]?.task_id]);
    expect(queue.get(run.steps[0]?.task_id as number)?.priority).toBe(7);

    const seen: Record<string, unknown> = {};
    const runs = runAll(queue, store, (task, payload) => {
      seen[store.stepOf(task.id)?.name as string] = payload;
      return { echo: payload };
    });
    expect(runs).toEqual(
      new Map([
        ['a', 1],
        ['b', 1],
        ['c', 1],
        ['d', 1],
      ]),
    );
    expect(seen).toEqual({
      a: { topic: 'cats' },
      b: { from_a: 'cats' },
      c: { text: 'about cats (cats) costs $5' },
      d: { b: { echo: { from_a: 'cats' } }, n: 3 },
    });
    const done = store.getRun(run.run);
    expect(done.status).toBe('DONE');
    expect(done.finishedAt).not.toBeNull();
    expect(store.listRuns({ status: 'DONE' }).map((item) => item.run)).toEqual([run.run]);
    expect(store.listRuns({ status: 'RUNNING' })).toEqual([]);
  });

  it('fans out to 1,000 children and runs the join step exactly once', () => {
    const { queue, store } = setup();
    const children = Array.from(
      { length: 1000 },
      (_, index) =>
        `[[steps]]\nname = "child_${index}"\nskill = "noop"\ndepends_on = ["root"]\npayload = { i = ${index} }\n`,
    ).join('\n');
    const text = `[workflow]\nname = "fan"\n[[steps]]\nname = "root"\nskill = "noop"\n\n${children}
[[steps]]
name = "join"
skill = "noop"
depends_on = [${Array.from({ length: 1000 }, (_, index) => `"child_${index}"`).join(', ')}]
payload = { last = "$steps.child_999.result.echo.i" }`;
    const run = store.startRun({ definition: parseWorkflowToml(text) });
    expect(run.steps).toHaveLength(1002);
    let joinPayload: unknown;
    const runs = runAll(queue, store, (task, payload) => {
      if (store.stepOf(task.id)?.name === 'join') joinPayload = payload;
      return { echo: payload };
    });
    expect(runs.get('join')).toBe(1);
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(runs.size).toBe(1002);
    expect(joinPayload).toEqual({ last: 999 });
    expect(store.getRun(run.run).status).toBe('DONE');
  });

  it('skips a step whose condition is false; dependents follow their on_failure', () => {
    const { queue, store } = setup();
    const text = `[workflow]
name = "cond"
[[steps]]
name = "check"
skill = "noop"
[[steps]]
name = "fix"
skill = "noop"
condition = { step = "check", path = "result.broken", equals = true }
[[steps]]
name = "report"
skill = "noop"
depends_on = ["fix"]
on_failure = "skip"
[[steps]]
name = "always"
skill = "noop"
condition = { step = "check", path = "result.broken", equals = false }`;
    const run = store.startRun({ definition: parseWorkflowToml(text) });
    runAll(queue, store, (task) =>
      store.stepOf(task.id)?.name === 'check' ? { broken: false } : { ok: true },
    );
    const result = store.getRun(run.run);
    expect(result.steps.map((step) => [step.name, step.status, step.error])).toEqual([
      ['check', 'DONE', null],
      ['fix', 'SKIPPED', 'condition false'],
      ['report', 'SKIPPED', `dependency ${result.steps[1]?.task_id} skipped`],
      ['always', 'DONE', null],
    ]);
    expect(result.status).toBe('DONE');
  });

  it('fails the run when a step fails; dependents with the default policy fail too', () => {
    const { queue, store } = setup();
    const text =
      '[workflow]\nname = "f"\n[[steps]]\nname = "a"\nskill = "noop"\n[[steps]]\nname = "b"\nskill = "noop"\ndepends_on = ["a"]';
    const run = store.startRun({ definition: parseWorkflowToml(text) });
    const task = queue.claim({ agent: 'w' }) as Task;
    queue.fail(task.id, 'w', 'boom', { retry: false });
    const result = store.getRun(run.run);
    expect(result.steps.map((step) => step.status)).toEqual(['FAILED', 'FAILED']);
    expect(result.status).toBe('FAILED');
  });

  it('cancels a run: open steps are cancelled, the run is CANCELLED', () => {
    const { queue, store } = setup();
    const run = store.startRun({ definition: parseWorkflowToml(DIAMOND), vars: { count: 1 } });
    const first = queue.claim({ agent: 'w' }) as Task;
    queue.complete(first.id, 'w', { echo: { topic: 'x' } });
    const cancelled = store.cancelRun(run.run);
    expect(cancelled.status).toBe('CANCELLED');
    expect(cancelled.steps.map((step) => step.status)).toEqual([
      'DONE',
      'CANCELLED',
      'CANCELLED',
      'CANCELLED',
    ]);
    expect(store.getRun(run.run).status).toBe('CANCELLED');
  });

  it('refuses an unknown skill and a missing variable before storing anything', () => {
    const { queue, store } = setup();
    const definition = parseWorkflowToml(DIAMOND);
    const skill = expectWorkflowError(
      () => store.startRun({ definition, vars: { count: 1 }, skills: ['summarize'] }),
      'WORKFLOW_UNKNOWN_SKILL',
    );
    expect(skill.skill).toBe('noop');
    expect(skill.step).toBe('a');
    const variable = expectWorkflowError(() => store.startRun({ definition }), 'WORKFLOW_UNKNOWN_VARIABLE');
    expect(variable.message).toContain('$count');
    expect(queue.list()).toEqual([]);
    expect(store.listRuns()).toEqual([]);
  });

  it('rolls everything back when the batch fails half-way', () => {
    const { queue, store } = setup();
    const definition = parseWorkflowToml('[workflow]\nname = "x"\n[[steps]]\nname = "a"\nskill = "noop"');
    // A step payload over the queue's payload limit makes submitMany throw inside the run's transaction.
    const big = {
      ...definition,
      steps: [{ ...definition.steps[0]!, payload: { text: 'x'.repeat(2 * 1024 * 1024) } }],
    };
    expect(() => store.startRun({ definition: big })).toThrow();
    expect(queue.list()).toEqual([]);
    expect(store.listRuns()).toEqual([]);
  });

  it('reports a missing run', () => {
    const { store } = setup();
    expect(expectWorkflowError(() => store.getRun(42), 'WORKFLOW_RUN_NOT_FOUND').runId).toBe(42);
    expectWorkflowError(() => store.cancelRun(42), 'WORKFLOW_RUN_NOT_FOUND');
  });

  it("skip only touches the agent's RUNNING task", () => {
    const { queue, store } = setup();
    const task = queue.enqueue({ skill: 'noop', payload: {} });
    expect(store.skip(task.id, 'w', 'x')).toBe(false);
    queue.claim({ agent: 'w' });
    expect(store.skip(task.id, 'other', 'x')).toBe(false);
    expect(store.skip(task.id, 'w', 'not needed')).toBe(true);
    expect(queue.get(task.id)).toMatchObject({ status: 'SKIPPED', error: 'not needed' });
    expect(store.stepOf(task.id)).toBeUndefined();
  });
});

describe('workflow references and conditions', () => {
  const context = {
    vars: { name: 'ada', n: 2, list: [1, 2] },
    step: (name: string) =>
      name === 'a' ? { status: 'DONE', result: { items: [{ id: 7 }], ok: true } } : undefined,
  };

  it.each([
    ['$name', 'ada'],
    ['${n}', 2],
    ['$list', [1, 2]],
    ['hi $name, n=${n}, list=$list', 'hi ada, n=2, list=[1,2]'],
    ['$steps.a.result.items.0.id', 7],
    ['${steps.a.result.ok}!', 'true!'],
    ['$$name costs $$3', '$name costs $3'],
    ['no references', 'no references'],
  ])('resolves %j', (text, expected) => {
    expect(resolveWorkflowPayload({ value: text }, context)).toEqual({ value: expected });
  });

  it('resolves inside arrays and nested objects, leaving keys alone', () => {
    expect(resolveWorkflowPayload({ $name: ['$name', { deep: '$n' }] }, context)).toEqual({
      $name: ['ada', { deep: 2 }],
    });
  });

  it.each([
    ['$missing', 'WORKFLOW_UNKNOWN_VARIABLE'],
    ['$steps.a.result.nope', 'WORKFLOW_STEP_UNRESOLVED'],
    ['$steps.b.result', 'WORKFLOW_STEP_UNRESOLVED'],
  ])('refuses %j', (text, code) => {
    expectWorkflowError(() => resolveWorkflowPayload({ value: text }, context), code);
  });

  const outcome = { status: 'DONE', result: { count: 0, tags: ['a'], nested: { x: 'y' } } };
  it.each([
    [{ path: 'result.count', equals: 0 }, true],
    [{ path: 'result.count', equals: 1 }, false],
    [{ path: 'result.nested', equals: { x: 'y' } }, true],
    [{ path: 'result.count', not_equals: 1 }, true],
    [{ path: 'result.missing', not_equals: 1 }, true],
    [{ path: 'result.missing', equals: 0 }, false],
    [{ path: 'result.count', exists: true }, true],
    [{ path: 'result.missing', exists: true }, false],
    [{ path: 'result.missing', exists: false }, true],
    [{ path: 'result.count', truthy: true }, false],
    [{ path: 'result.tags', truthy: true }, true],
    [{ path: 'status', equals: 'DONE' }, true],
  ])('evaluates %j to %s', (condition, expected) => {
    expect(evaluateWorkflowCondition({ step: 'a', ...condition }, outcome)).toBe(expected);
  });

  it('computes the run status from step statuses', () => {
    expect(workflowRunStatus(['DONE', 'RUNNING'])).toBe('RUNNING');
    expect(workflowRunStatus(['DONE', 'BLOCKED', 'FAILED'])).toBe('RUNNING');
    expect(workflowRunStatus(['DONE', 'SKIPPED'])).toBe('DONE');
    expect(workflowRunStatus(['DONE', 'FAILED', 'CANCELLED'])).toBe('FAILED');
    expect(workflowRunStatus(['DONE', 'CANCELLED'])).toBe('CANCELLED');
  });
});
