import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { type CommandContext, contextFor, type ProgramSession, requireHome } from '../context';
import { ServiceError } from '../errors/service-error';
import { findExecutable } from '../service/find-executable';
import {
  defaultServicePlatform,
  formatArgv,
  parseServicePlatform,
  planServiceInstall,
  planServiceUninstall,
  SERVICE_PLATFORMS,
  type ServicePlan,
  type ServicePlatform,
  type ServiceStep,
} from '../service/service-plan';

// NOTE: packages/cli/README.md ("Auto-start service") documents these commands; keep both in sync.

const choosePlatform = (text: string | undefined): ServicePlatform => {
  if (text !== undefined) return parseServicePlatform(text);
  const platform = defaultServicePlatform();
  if (platform === undefined) {
    throw new ServiceError({
      code: 'SERVICE_UNSUPPORTED_PLATFORM',
      message: `no service manager is known for platform "${process.platform}"`,
      hint: `pass --platform ${SERVICE_PLATFORMS.join('|')}`,
    });
  }
  return platform;
};

/** The user's home folder: $HOME (USERPROFILE on Windows) of the command's environment, else the OS's. */
const userHomeOf = (context: CommandContext): string =>
  context.io.env.HOME || context.io.env.USERPROFILE || os.homedir();

/** Runs one step; a failed command throws `SERVICE_COMMAND_FAILED` unless it may fail. */
function runStep(context: CommandContext, step: ServiceStep): void {
  if (step.action === 'write') {
    mkdirSync(path.dirname(step.file), { recursive: true });
    // Task Scheduler reads the XML as the UTF-16 it declares: write a byte order mark first.
    writeFileSync(
      step.file,
      step.encoding === 'utf16le' ? `\ufeff${step.content}` : step.content,
      step.encoding,
    );
    return;
  }
  if (step.action === 'remove') {
    rmSync(step.file, { force: true });
    return;
  }
  const [tool, ...args] = step.argv as [string, ...string[]];
  const executable = findExecutable({ name: tool, env: context.io.env });
  if (executable === undefined) {
    if (step.ignoreFailure) return;
    throw new ServiceError({
      code: 'SERVICE_TOOL_NOT_FOUND',
      command: step.argv,
      message: `\`${tool}\` is not on PATH`,
      hint: 'run the printed commands yourself (see --dry-run), or install the service manager',
    });
  }
  const result = spawnSync(executable, args, { env: context.io.env, encoding: 'utf8', timeout: 60_000 });
  if ((result.status !== 0 || result.error) && !step.ignoreFailure) {
    const stderr = (result.stderr ?? '').trim();
    throw new ServiceError({
      code: 'SERVICE_COMMAND_FAILED',
      command: step.argv,
      stderr,
      message: `\`${formatArgv(step.argv)}\` failed (${result.error ? result.error.message : `exit ${result.status}`})${stderr ? `: ${stderr}` : ''}`,
      cause: result.error,
    });
  }
}

const stepJson = (step: ServiceStep) =>
  step.action === 'run'
    ? { action: 'run', argv: step.argv, ignore_failure: step.ignoreFailure }
    : { action: step.action, file: step.file };

const describeStep = (step: ServiceStep): string =>
  step.action === 'run'
    ? `run    ${formatArgv(step.argv)}${step.ignoreFailure ? '   (may fail)' : ''}`
    : `${step.action.padEnd(6)} ${step.file}`;

function report(context: CommandContext, plan: ServicePlan, dryRun: boolean, done: string): void {
  if (context.json) {
    context.printJson({
      platform: plan.platform,
      dry_run: dryRun,
      file: plan.file,
      ...(plan.content === undefined ? {} : { content: plan.content }),
      steps: plan.steps.map(stepJson),
      check: plan.checkCommand,
    });
    return;
  }
  if (dryRun) {
    const file = plan.content === undefined ? '' : `# ${plan.file}\n${plan.content}\n`;
    context.print(
      `${file}# --dry-run: nothing written, nothing run. Would:\n${plan.steps.map((step) => `  ${describeStep(step)}`).join('\n')}\n`,
    );
    return;
  }
  context.print(`${plan.steps.map(describeStep).join('\n')}\n${done}\ncheck it with: ${plan.checkCommand}\n`);
}

/** `biged install-service` and `biged uninstall-service`: start the fleet at login (the manual's auto-boot). */
export function registerService(program: Command, session: ProgramSession): void {
  program
    .command('install-service')
    .description(
      'install the fleet as an auto-start service: systemd --user (Linux), launchd (macOS), Task Scheduler (Windows)',
    )
    .option('--dry-run', 'print the service file and the commands; write and run nothing')
    .option('--platform <platform>', `${SERVICE_PLATFORMS.join('|')} (default: this machine's)`)
    .action(async (options: { dryRun?: boolean; platform?: string }, command: Command) => {
      const context = contextFor(session, command);
      const platform = choosePlatform(options.platform);
      requireHome(context);
      const plan = planServiceInstall({
        platform,
        userHome: userHomeOf(context),
        home: context.home,
        nodePath: process.execPath,
        binPath: context.binPath,
      });
      const dryRun = options.dryRun === true;
      if (!dryRun) for (const step of plan.steps) runStep(context, step);
      report(context, plan, dryRun, `installed the ${platform} service (${plan.file})`);
    });

  program
    .command('uninstall-service')
    .description('stop and remove the auto-start service')
    .option('--dry-run', 'print the commands; run and remove nothing')
    .option('--platform <platform>', `${SERVICE_PLATFORMS.join('|')} (default: this machine's)`)
    .action(async (options: { dryRun?: boolean; platform?: string }, command: Command) => {
      const context = contextFor(session, command);
      const platform = choosePlatform(options.platform);
      const plan = planServiceUninstall({ platform, userHome: userHomeOf(context), home: context.home });
      const dryRun = options.dryRun === true;
      if (!dryRun && !existsSync(plan.file)) {
        if (context.json) {
          context.printJson({ platform, dry_run: false, file: plan.file, installed: false, steps: [] });
        } else
          context.print(`no ${platform} service installed (${plan.file} does not exist); nothing to do\n`);
        return;
      }
      if (!dryRun) for (const step of plan.steps) runStep(context, step);
      report(context, plan, dryRun, `removed the ${platform} service`);
    });
}
