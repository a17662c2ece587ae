import type { Command } from 'commander';
import { registerAudit } from './commands/audit';
import { registerBackup } from './commands/backup';
import { registerBudget } from './commands/budget';
import { registerCancel } from './commands/cancel';
import { registerDashboard } from './commands/dashboard';
import { registerDetectCli } from './commands/detect-cli';
import { registerDispatch } from './commands/dispatch';
import { registerDoctor } from './commands/doctor';
import { registerDown } from './commands/down';
import { registerGdprErase } from './commands/gdpr-erase';
import { registerHitl } from './commands/hitl';
import { registerInit } from './commands/init';
import { registerLocks } from './commands/locks';
import { registerLogs } from './commands/logs';
import { registerMarathon } from './commands/marathon';
import { registerMessaging } from './commands/messaging';
import { registerMigrate } from './commands/migrate';
import { registerModule } from './commands/module';
import { registerPause } from './commands/pause';
import { registerReport } from './commands/report';
import { registerRestore } from './commands/restore';
import { registerResult } from './commands/result';
import { registerSchedule } from './commands/schedule';
import { registerSecret } from './commands/secret';
import { registerService } from './commands/service';
import { registerSkill } from './commands/skill';
import { registerStatus } from './commands/status';
import { registerTask } from './commands/task';
import { registerUi } from './commands/ui';
import { registerUp } from './commands/up';
import { registerUsage } from './commands/usage';
import { registerUsageDelta } from './commands/usage-delta';
import { registerWorkflow } from './commands/workflow';
import type { ProgramSession } from './context';
import type { ExitCode } from './exit-codes';
import { type CreateProgramOptions, createProgramShell, runProgram } from './program-shell';

export type { CreateProgramOptions } from './program-shell';
export { renderError } from './program-shell';

const HELP_FOOTER = `
Every command takes --home <dir> (else $BIGED_HOME, else ~/.biged) and --json.

Exit codes:
  0   ok
  1   bad input: payload, option value, fleet.toml, unknown skill, secret name or value, air-gap,
      a network skill offline, a conductor answer that does not validate or was not confirmed,
      a failed doctor check, gdpr-erase without --confirm
  2   usage: malformed command line
  3   not found: task id, agent log, lock, secret, module (in a registry or installed)
  4   the waited task FAILED, was CANCELLED or SKIPPED (--wait)
  5   fleet not running or not ready: start failure, --wait timeout, conductor model unreachable;
      restore refused because the fleet runs
  6   module bundle refused: SHA-256 or signature missing or wrong, unsafe archive (nothing installed);
      backup refused by restore: a file changed, missing or extra (nothing restored)
  70  internal error (a bug: please report it)

Examples:
  biged init
  biged up --detach
  biged dispatch code_index '{"path": "."}' --wait
  biged task '{"skill": "knowledge_search", "query": "thermal policy"}'
  biged task "index the code in ." --dry-run
  biged status --json
  biged logs coder_1 --tail 50
  biged secret set ANTHROPIC_API_KEY sk-ant-...
  biged usage --period week --json
  biged usage-delta 2025-01-01 2025-01-07 2025-01-08 2025-01-14
  biged budget
  biged module available
  biged module install crm
  biged ui --tab tasks
  biged skill list --json
  biged skill new word_count --register
  biged backup
  biged restore 20260101_020000 --yes
  biged report --error "worker crashed" --steps "biged up" "biged dispatch x '{}'"
  biged doctor --fast
  biged gdpr-erase coder_1 --confirm
  biged detect-cli --json
  biged install-service --dry-run
  biged marathon start train-depth6
  biged marathon-checkpoint
`;

/**
 * Builds the `biged` commander program with every command. Output goes to `stdout`/`stderr` (default: the
 * process's), so tests and embedders can capture it. Commander errors are thrown (`exitOverride`), never
 * `process.exit`; `run()` turns them and every other failure into an exit code.
 */
export function createProgram(options: CreateProgramOptions = {}): Command {
  return createProgramShell(options, registerAll).addHelpText('after', HELP_FOOTER);
}

/** Adds every `biged` command, in the order `biged --help` lists them. */
function registerAll(program: Command, session: ProgramSession): void {
  registerInit(program, session);
  registerUp(program, session);
  registerDown(program, session);
  registerStatus(program, session);
  registerDetectCli(program, session);
  registerDispatch(program, session);
  registerTask(program, session);
  registerResult(program, session);
  registerCancel(program, session);
  registerPause(program, session);
  registerMigrate(program, session);
  registerWorkflow(program, session);
  registerSchedule(program, session);
  registerLogs(program, session);
  registerMarathon(program, session);
  registerService(program, session);
  registerLocks(program, session);
  registerMessaging(program, session);
  registerHitl(program, session);
  registerSecret(program, session);
  registerUsage(program, session);
  registerUsageDelta(program, session);
  registerBudget(program, session);
  registerModule(program, session);
  registerSkill(program, session);
  registerDashboard(program, session);
  registerUi(program, session);
  registerBackup(program, session);
  registerRestore(program, session);
  registerReport(program, session);
  registerDoctor(program, session);
  registerGdprErase(program, session);
  registerAudit(program, session);
}

/**
 * Runs `biged` with `argv` (the arguments after the program name) and resolves to the exit code.
 * Never throws and never calls `process.exit`: the caller decides what to do with the code.
 */
export async function run(argv: string[], options: CreateProgramOptions = {}): Promise<ExitCode> {
  return runProgram(argv, options, createProgram);
}
