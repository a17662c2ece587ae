import { commandWordOf } from './command-name';
import type { ExitCode } from './exit-codes';
import {
  type CreateProgramOptions,
  createProgramShell,
  type RegisterCommands,
  runProgram,
} from './program-shell';

// `biged <command> ...` from the bin: build a program that holds only that command, importing only that
// command's module, so a short command (`biged status`) does not load Hono, Ink, the skills or the model SDKs
// that other commands use. Help, the version, no command and unknown commands go to the full program.

type Loader = () => Promise<RegisterCommands>;

/** Each top-level command name and how to load the function that registers it. */
export const COMMAND_LOADERS: Readonly<Record<string, Loader>> = {
  init: async () => (await import('./commands/init')).registerInit,
  up: async () => (await import('./commands/up')).registerUp,
  down: async () => (await import('./commands/down')).registerDown,
  status: async () => (await import('./commands/status')).registerStatus,
  'detect-cli': async () => (await import('./commands/detect-cli')).registerDetectCli,
  dispatch: async () => (await import('./commands/dispatch')).registerDispatch,
  task: async () => (await import('./commands/task')).registerTask,
  result: async () => (await import('./commands/result')).registerResult,
  cancel: async () => (await import('./commands/cancel')).registerCancel,
  pause: async () => (await import('./commands/pause')).registerPause,
  migrate: async () => (await import('./commands/migrate')).registerMigrate,
  resume: async () => (await import('./commands/pause')).registerPause,
  workflow: async () => (await import('./commands/workflow')).registerWorkflow,
  schedule: async () => (await import('./commands/schedule')).registerSchedule,
  logs: async () => (await import('./commands/logs')).registerLogs,
  marathon: async () => (await import('./commands/marathon')).registerMarathon,
  'marathon-checkpoint': async () => (await import('./commands/marathon')).registerMarathon,
  'install-service': async () => (await import('./commands/service')).registerService,
  'uninstall-service': async () => (await import('./commands/service')).registerService,
  locks: async () => (await import('./commands/locks')).registerLocks,
  send: async () => (await import('./commands/messaging')).registerMessaging,
  broadcast: async () => (await import('./commands/messaging')).registerMessaging,
  inbox: async () => (await import('./commands/messaging')).registerMessaging,
  notes: async () => (await import('./commands/messaging')).registerMessaging,
  channels: async () => (await import('./commands/messaging')).registerMessaging,
  hitl: async () => (await import('./commands/hitl')).registerHitl,
  secret: async () => (await import('./commands/secret')).registerSecret,
  usage: async () => (await import('./commands/usage')).registerUsage,
  'usage-delta': async () => (await import('./commands/usage-delta')).registerUsageDelta,
  budget: async () => (await import('./commands/budget')).registerBudget,
  module: async () => (await import('./commands/module')).registerModule,
  skill: async () => (await import('./commands/skill')).registerSkill,
  dashboard: async () => (await import('./commands/dashboard')).registerDashboard,
  ui: async () => (await import('./commands/ui')).registerUi,
  backup: async () => (await import('./commands/backup')).registerBackup,
  restore: async () => (await import('./commands/restore')).registerRestore,
  report: async () => (await import('./commands/report')).registerReport,
  doctor: async () => (await import('./commands/doctor')).registerDoctor,
  'gdpr-erase': async () => (await import('./commands/gdpr-erase')).registerGdprErase,
  audit: async () => (await import('./commands/audit')).registerAudit,
};

/**
 * The command `argv` runs, when it can be told without commander: the first word after the global options
 * (`--home <dir>`, `--home=<dir>`, `--json`). Undefined for no command, `help`, `-h`/`--help`/`-V` or any other
 * option before the command, and for names not in `COMMAND_LOADERS`: those go to the full program.
 */
export function commandNameOf(argv: readonly string[]): string | undefined {
  const word = commandWordOf(argv);
  return word !== undefined && Object.hasOwn(COMMAND_LOADERS, word) ? word : undefined;
}

/**
 * Runs `argv` like `run()` from program.ts does, but with a program holding only the command named, or with
 * the full program (imported then) when `commandNameOf(argv)` is undefined. Resolves to the exit code.
 */
export async function runFast(argv: string[], options: CreateProgramOptions = {}): Promise<ExitCode> {
  const name = commandNameOf(argv);
  if (name === undefined) return (await import('./program')).run(argv, options);
  const register = await COMMAND_LOADERS[name]!();
  return runProgram(argv, options, (programOptions) => createProgramShell(programOptions, register));
}
