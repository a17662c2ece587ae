import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TempHome } from '@biged/core/test';
import { createQueue } from '@biged/queue';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';
import { parseVars } from './workflow';

const PIPELINE = `
[workflow]
name = "pipeline"
description = "summarize then synthesize"
[workflow.vars]
path = "notes.md"

[[steps]]
name = "sum"
skill = "summarize"
payload = { path = "$path" }

[[steps]]
name = "syn"
skill = "noop"
depends_on = ["sum"]
payload = { text = "$steps.sum.result.summary" }
`;

describe('biged workflow', () => {
  let home: TempHome;
  beforeEach(async () => {
    home = await initHome();
    mkdirSync(join(home.home, 'workflows'));
    writeFileSync(join(home.home, 'workflows', 'pipeline.toml'), PIPELINE);
  });
  afterEach(() => home.cleanup());

  it('lists workflows, showing a broken file with its error', async () => {
    writeFileSync(
      join(home.home, 'workflows', 'broken.toml'),
      '[workflow]\nname = "b"\n[[steps]]\nname = "a"',
    );
    const listed = await runCli(['workflow', 'list', '--json', '--home', home.home]);
    expect(listed.code).toBe(0);
    expect(listed.json<unknown[]>()).toEqual([
      { file: join(home.home, 'workflows', 'broken.toml'), error: expect.stringContaining('steps.0.skill') },
      {
        name: 'pipeline',
        description: 'summarize then synthesize',
        steps: 2,
        file: join(home.home, 'workflows', 'pipeline.toml'),
      },
    ]);
    const text = await runCli(['workflow', 'list', '--home', home.home]);
    expect(text.stdout).toMatch(/\npipeline\s+2\s+summarize then synthesize\n/);
    expect(text.stdout).toMatch(/\nbroken\.toml\s+-\s+invalid: .*steps\.0\.skill/);
  });

  it('runs a workflow (--json prints {"run", ...}) and reports its status in the issue shape', async () => {
    const started = await runCli([
      'workflow',
      'run',
      'pipeline',
      '--var',
      'path=README.md',
      '--json',
      '--home',
      home.home,
    ]);
    expect(started.code).toBe(0);
    const run = started.json<{
      run: number;
      name: string;
      status: string;
      steps: { name: string; task_id: number }[];
    }>();
    expect(run).toMatchObject({ run: 1, name: 'pipeline', status: 'RUNNING' });
    const status = await runCli(['workflow', 'status', String(run.run), '--json', '--home', home.home]);
    expect(status.code).toBe(0);
    expect(status.json()).toEqual({
      run: 1,
      status: 'RUNNING',
      steps: [
        { name: 'sum', status: 'PENDING', task_id: run.steps[0]?.task_id },
        { name: 'syn', status: 'BLOCKED', task_id: run.steps[1]?.task_id },
      ],
    });
    const queue = createQueue({ file: home.db });
    try {
      expect(queue.get(run.steps[0]?.task_id as number)?.payload).toEqual({ path: '$path' });
    } finally {
      queue.close();
    }
    const fleet = await runCli(['status', '--json', '--home', home.home]);
    expect(fleet.json<{ workflows: unknown[] }>().workflows).toEqual([status.json()]);
    expect((await runCli(['status', '--home', home.home])).stdout).toContain(
      '1             2: 1 PENDING, 1 BLOCKED',
    );

    const cancelled = await runCli(['workflow', 'cancel', '1', '--home', home.home]);
    expect(cancelled.stdout).toContain('run 1 (pipeline): CANCELLED');
    expect(
      (await runCli(['status', '--json', '--home', home.home])).json<{ workflows: unknown[] }>().workflows,
    ).toEqual([]);
  });

  it('refuses an unknown workflow (exit 3), an unknown run (exit 3), a bad --var and an unknown skill', async () => {
    const missing = await runCli(['workflow', 'run', 'nope', '--home', home.home]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('no workflow named "nope"');
    const run = await runCli(['workflow', 'status', '42', '--home', home.home]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('workflow run 42 does not exist');
    const badVar = await runCli(['workflow', 'run', 'pipeline', '--var', 'no-equals', '--home', home.home]);
    expect(badVar.code).toBe(1);
    expect(badVar.stderr).toContain('--var takes name=value');
    writeFileSync(
      join(home.home, 'workflows', 'pipeline.toml'),
      PIPELINE.replace('skill = "noop"', 'skill = "not_installed"'),
    );
    const skill = await runCli(['workflow', 'run', 'pipeline', '--home', home.home]);
    expect(skill.code).toBe(1);
    expect(skill.stderr).toContain('uses skill "not_installed", which is not installed');
    const badId = await runCli(['workflow', 'status', 'x', '--home', home.home]);
    expect(badId.code).toBe(1);
  });

  it('parses --var pairs', () => {
    expect(parseVars(['a=1', 'b=x=y', 'c='])).toEqual({ a: '1', b: 'x=y', c: '' });
    expect(() => parseVars(['=1'])).toThrow(/--var takes name=value/);
  });
});
