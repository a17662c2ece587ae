import path from 'node:path';
import { createWorkflowStore, findWorkflow, listWorkflowFiles, type WorkflowRun } from '@biged/queue';
import type { Command } from 'commander';
import { contextFor, loadFleetConfig, type ProgramSession, requireHome, withQueue } from '../context';
import { CliError } from '../errors';
import { renderTable } from '../output/table';
import { listFleetSkills } from './skill';
import { workflowStatusJson } from './workflow-json';

/** `<home>/workflows`, where workflow files live. */
export const workflowsDir = (home: string): string => path.join(home, 'workflows');

/** `--var k=v` (repeatable) into an object; the value is text (everything after the first `=`). */
export function parseVars(pairs: readonly string[]): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    const name = at > 0 ? pair.slice(0, at) : '';
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new CliError({
        code: 'CLI_INVALID_OPTION',
        message: `--var takes name=value with a name of letters, digits and _, got "${pair}"`,
        hint: 'e.g. --var topic="solar panels"',
      });
    }
    vars[name] = pair.slice(at + 1);
  }
  return vars;
}

function parseRunId(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || value <= 0 || !Number.isSafeInteger(value)) {
    throw new CliError({
      code: 'CLI_INVALID_OPTION',
      message: `a run id is a whole number above 0, got "${text}"`,
      hint: 'the id is printed by `biged workflow run`',
    });
  }
  return value;
}

function renderRun(run: WorkflowRun): string {
  const rows = run.steps.map((step) => [step.name, step.status, String(step.task_id), step.error ?? '']);
  return `run ${run.run} (${run.name}): ${run.status}\n${renderTable(['STEP', 'STATUS', 'TASK', 'ERROR'], rows)}`;
}

/** `biged workflow list | run <name> --var k=v | status <run> | cancel <run>`. */
export function registerWorkflow(program: Command, session: ProgramSession): void {
  const workflow = program
    .command('workflow')
    .description('multi-step workflows from <home>/workflows/*.toml');

  workflow
    .command('list')
    .description('list the workflow files (and why a broken one cannot run)')
    .action((_options: unknown, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      const entries = listWorkflowFiles(workflowsDir(context.home));
      if (context.json) {
        context.printJson(
          entries.map((entry) =>
            entry.definition
              ? {
                  name: entry.definition.name,
                  description: entry.definition.description,
                  steps: entry.definition.steps.length,
                  file: entry.file,
                }
              : { file: entry.file, error: entry.error.message },
          ),
        );
        return;
      }
      if (entries.length === 0) {
        context.print(`no workflows in ${workflowsDir(context.home)}\n`);
        return;
      }
      context.print(
        renderTable(
          ['NAME', 'STEPS', 'DESCRIPTION'],
          entries.map((entry) =>
            entry.definition
              ? [entry.definition.name, String(entry.definition.steps.length), entry.definition.description]
              : [path.basename(entry.file), '-', `invalid: ${entry.error.message}`],
          ),
        ),
      );
    });

  workflow
    .command('run')
    .description('start a run: every step becomes a task, started as its dependencies finish')
    .argument('<name>', 'the workflow name ([workflow] name)')
    .option(
      '--var <name=value>',
      'a variable for $name in payloads (repeatable)',
      (value: string, all: string[]) => [...all, value],
      [] as string[],
    )
    .action(async (name: string, options: { var: string[] }, command: Command) => {
      const context = contextFor(session, command);
      requireHome(context);
      const vars = parseVars(options.var);
      const config = loadFleetConfig(context);
      const definition = findWorkflow(workflowsDir(context.home), name);
      const skills = (await listFleetSkills({ home: context.home, config })).map((skill) => skill.name);
      const run = await withQueue(context, config, (queue) =>
        createWorkflowStore({ queue }).startRun({ definition, vars, skills }),
      );
      if (context.json) {
        context.printJson({ ...workflowStatusJson(run), name: run.name });
        return;
      }
      context.print(
        `started run ${run.run} of ${run.name} (${run.steps.length} steps); see \`biged workflow status ${run.run}\`\n`,
      );
    });

  workflow
    .command('status')
    .description('a run and the state of each step')
    .argument('<run>', 'run id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const context = contextFor(session, command);
      const runId = parseRunId(id);
      requireHome(context);
      const config = loadFleetConfig(context);
      const run = await withQueue(context, config, (queue) => createWorkflowStore({ queue }).getRun(runId));
      if (context.json) context.printJson(workflowStatusJson(run));
      else context.print(renderRun(run));
    });

  workflow
    .command('cancel')
    .description('cancel a run: its open steps are cancelled')
    .argument('<run>', 'run id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const context = contextFor(session, command);
      const runId = parseRunId(id);
      requireHome(context);
      const config = loadFleetConfig(context);
      const run = await withQueue(context, config, (queue) =>
        createWorkflowStore({ queue }).cancelRun(runId),
      );
      if (context.json) context.printJson(workflowStatusJson(run));
      else context.print(renderRun(run));
    });
}
