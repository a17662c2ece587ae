import { createSilentLogger, fleetPaths, parseFleetConfig } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { createQueue, createWorkflowStore, parseWorkflowToml, type TaskQueue } from '@biged/queue';
import { createSkillRegistry, defineSkill, z } from '@biged/skill-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './test-helpers';
import { runWorker, type WorkerHandle } from './worker';
import { CONDITION_FALSE, createWorkflowStepGate } from './workflow-step';

let home: TempHome | undefined;
let queue: TaskQueue | undefined;
let worker: WorkerHandle | undefined;
afterEach(async () => {
  await worker?.stop(100);
  queue?.close();
  home?.cleanup();
  worker = undefined;
  queue = undefined;
});

const seen: Array<{ name: string; payload: unknown }> = [];
const echo = defineSkill({
  name: 'echo',
  description: 'Returns its payload (and records it).',
  payload: z.record(z.string(), z.unknown()),
  run: (payload) => {
    seen.push({ name: String(payload.tag), payload });
    return { ...payload, length: String(payload.text ?? '').length };
  },
});
/** Needs a number: fails schema validation unless the workflow resolved its reference. */
const double = defineSkill({
  name: 'double',
  description: 'Doubles payload.n.',
  payload: z.object({ n: z.number(), tag: z.string() }),
  run: ({ n }) => ({ n: n * 2 }),
});

function start() {
  seen.length = 0;
  home = createTempHome();
  queue = createQueue({ file: home.db });
  const config = parseFleetConfig({ fleet: { heartbeat_interval_secs: 0.05, hw_monitor: false } }).config;
  worker = runWorker({
    agent: { name: 'w', role: 'coder' },
    config,
    paths: fleetPaths(home.home),
    queue,
    skills: createSkillRegistry([echo, double]),
    log: createSilentLogger(),
    idlePollMs: { min: 1, max: 10 },
  });
  return { queue, store: createWorkflowStore({ queue }) };
}

const WORKFLOW = `
[workflow]
name = "pipeline"
[workflow.vars]
text = "hello"

[[steps]]
name = "first"
skill = "echo"
payload = { tag = "first", text = "$text" }

[[steps]]
name = "twice"
skill = "double"
payload = { tag = "twice", n = "$steps.first.result.length" }

[[steps]]
name = "shout"
skill = "echo"
depends_on = ["twice"]
payload = { tag = "shout", text = "\${text}! x$steps.twice.result.n" }
condition = { step = "first", path = "result.length", not_equals = 0 }

[[steps]]
name = "empty_only"
skill = "echo"
payload = { tag = "empty_only" }
condition = { step = "first", path = "result.length", equals = 0 }

[[steps]]
name = "after_empty"
skill = "echo"
depends_on = ["empty_only"]
on_failure = "skip"
payload = { tag = "after_empty" }
`;

describe('workflow steps in the worker', () => {
  it('resolves earlier results into later payloads and skips steps whose condition is false', async () => {
    const { store } = start();
    const run = store.startRun({ definition: parseWorkflowToml(WORKFLOW), vars: { text: 'hey you' } });
    const done = await waitFor(() => {
      const current = store.getRun(run.run);
      return current.status !== 'RUNNING' && current;
    });
    expect(done.status).toBe('DONE');
    expect(done.steps.map((step) => [step.name, step.status, step.error])).toEqual([
      ['first', 'DONE', null],
      ['twice', 'DONE', null],
      ['shout', 'DONE', null],
      ['empty_only', 'SKIPPED', CONDITION_FALSE],
      ['after_empty', 'SKIPPED', `dependency ${done.steps[3]?.task_id} skipped`],
    ]);
    expect(seen.find((item) => item.name === 'shout')?.payload).toEqual({
      tag: 'shout',
      text: 'hey you! x14',
    });
    expect(queue?.get(done.steps[1]?.task_id as number)?.result).toEqual({ n: 14 });
    // The stored payload keeps its references: the resolved one exists only while the step runs.
    expect(queue?.get(done.steps[1]?.task_id as number)?.payload).toEqual({
      tag: 'twice',
      n: '$steps.first.result.length',
    });
  });

  it('fails a step whose reference has no value, without retrying, and the run with it', async () => {
    const { queue: q, store } = start();
    const definition = parseWorkflowToml(`
[workflow]
name = "broken"
[[steps]]
name = "a"
skill = "echo"
payload = { tag = "a" }
[[steps]]
name = "b"
skill = "double"
payload = { tag = "b", n = "$steps.a.result.missing" }`);
    const run = store.startRun({ definition });
    const done = await waitFor(() => {
      const current = store.getRun(run.run);
      return current.status !== 'RUNNING' && current;
    });
    expect(done.status).toBe('FAILED');
    const failed = q.get(done.steps[1]?.task_id as number);
    expect(failed?.attempts).toBe(1);
    expect(failed?.error).toMatch(/^WORKFLOW_STEP_UNRESOLVED: \$steps\.a\.result\.missing has no value/);
  });

  it('passes tasks that are no workflow step through unchanged', () => {
    home = createTempHome();
    queue = createQueue({ file: home.db });
    const task = queue.enqueue({ skill: 'echo', payload: { text: '$not_a_var' } });
    const gate = createWorkflowStepGate({ queue, agent: 'w' });
    expect(gate.prepare(task)).toEqual({ kind: 'run', payload: { text: '$not_a_var' } });
  });
});
