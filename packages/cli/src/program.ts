import { fileURLToPath } from 'node:url';
import { BigedError } from '@biged/core';
import { Command, CommanderError } from 'commander';
import { registerBudget } from './commands/budget';
import { registerCancel } from './commands/cancel';
import { registerDashboard } from './commands/dashboard';
import { registerDispatch } from './commands/dispatch';
import { registerDown } from './commands/down';
import { registerInit } from './commands/init';
import { registerLocks } from './commands/locks';
import { registerLogs } from './commands/logs';
import { registerMessaging } from './commands/messaging';
import { registerModule } from './commands/module';
import { registerResult } from './commands/result';
import { registerSecret } from './commands/secret';
import { registerSkill } from './commands/skill';
import { registerStatus } from './commands/status';
import { registerTask } from './commands/task';
import { registerUp } from './commands/up';
import { registerUsage } from './commands/usage';
import { registerUsageDelta } from './commands/usage-delta';
import type { ProgramSession } from './context';
import { exitCodeFor, hintFor } from './errors';
import { EXIT_CODES, type ExitCode, ISSUES_URL } from './exit-codes';
import { type CliIO, type CliIOOptions, resolveIO } from './io';
import { VERSION } from './version';

/** Options for `createProgram` and `run`. */
export interface CreateProgramOptions extends CliIOOptions {
  /**
   * Absolute path of the `biged` bin script; `up --detach` re-runs it as the background supervisor.
   * Default: `bin.js` next to the built module.
   */
  binPath?: string;
  /** Called when a command finishes without throwing but must exit non-zero (a waited task FAILED). */
  onExitCode?: (code: ExitCode) => void;
}

const HELP_FOOTER = `
Every command takes --home <dir> (else $BIGED_HOME, else ~/.biged) and --json.

Exit codes:
  0   ok
  1   bad input: payload, option value, fleet.toml, unknown skill, secret name or value, air-gap,
      a network skill offline, a conductor answer that does not validate or was not confirmed
  2   usage: malformed command line
  3   not found: task id, agent log, lock, secret, module (in a registry or installed)
  4   the waited task FAILED, was CANCELLED or SKIPPED (--wait)
  5   fleet not running or not ready: start failure, --wait timeout, conductor model unreachable
  6   module bundle refused: SHA-256 or signature missing or wrong, unsafe archive (nothing installed)
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
  biged skill list --json
  biged skill new word_count --register
`;

// The built bin sits next to the module that holds this code (dist/), whichever chunk that is.
const defaultBinPath = (): string => fileURLToPath(new URL('./bin.js', import.meta.url));

/**
 * Builds the `biged` commander program. Output goes to `stdout`/`stderr` (default: the process's),
 * so tests and embedders can capture it. Commander errors are thrown (`exitOverride`), never
 * `process.exit`; `run()` turns them and every other failure into an exit code.
 */
export function createProgram(options: CreateProgramOptions = {}): Command {
  const io = resolveIO(options);
  const session: ProgramSession = {
    io,
    binPath: options.binPath ?? defaultBinPath(),
    setExitCode: options.onExitCode ?? (() => {}),
  };
  const program = new Command('biged')
    .description('BigEd CC: run and talk to a local fleet of AI workers')
    .version(VERSION, '-V, --version', 'print the biged version')
    .option('--home <dir>', 'fleet home (default: $BIGED_HOME, else ~/.biged)')
    .option('--json', 'print machine-readable JSON on stdout')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError()
    .exitOverride()
    .addHelpText('after', HELP_FOOTER);

  registerInit(program, session);
  registerUp(program, session);
  registerDown(program, session);
  registerStatus(program, session);
  registerDispatch(program, session);
  registerTask(program, session);
  registerResult(program, session);
  registerCancel(program, session);
  registerLogs(program, session);
  registerLocks(program, session);
  registerMessaging(program, session);
  registerSecret(program, session);
  registerUsage(program, session);
  registerUsageDelta(program, session);
  registerBudget(program, session);
  registerModule(program, session);
  registerSkill(program, session);
  registerDashboard(program, session);
  return program;
}

// Global options are read anywhere on the line; an error raised before commander parsed them still
// needs to know whether the caller wants JSON.
const wantsJson = (argv: string[]): boolean => {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
};

const writeJsonError = (io: CliIO, error: { code: string; message: string; hint?: string | undefined }) => {
  const body = { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
  io.stdout.write(`${JSON.stringify({ error: body }, null, 2)}\n`);
};

/**
 * The one top-level error handler. A BigedError is the operator's to fix: message, "try" hint, no
 * stack. Anything else is a bug in BigEd: stack trace, issue link, exit 70.
 */
export function renderError(error: unknown, io: CliIO, json: boolean): ExitCode {
  if (error instanceof CommanderError) {
    // Commander already printed help, the version, or its own "error: ..." line to the streams.
    if (error.exitCode === 0) return EXIT_CODES.OK;
    if (json) writeJsonError(io, { code: 'CLI_USAGE', message: error.message.replace(/^error: /, '') });
    return EXIT_CODES.USAGE;
  }
  if (BigedError.isInstance(error)) {
    const hint = hintFor(error);
    if (json) {
      writeJsonError(io, { code: error.code, message: error.message, hint });
    } else {
      io.stderr.write(`error: ${error.message}\n${hint ? `try: ${hint}\n` : ''}`);
    }
    return exitCodeFor(error);
  }
  const stack = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
  if (json) {
    writeJsonError(io, {
      code: 'INTERNAL',
      message: error instanceof Error ? error.message : String(error),
      hint: `this is a bug in biged; please report it at ${ISSUES_URL}`,
    });
  }
  io.stderr.write(
    `error: biged hit an unexpected problem (a bug, not something you did)\n${stack}\n\n` +
      `please report this at ${ISSUES_URL} with the command you ran and biged ${VERSION}\n`,
  );
  return EXIT_CODES.INTERNAL;
}

/**
 * Runs `biged` with `argv` (the arguments after the program name) and resolves to the exit code.
 * Never throws and never calls `process.exit`: the caller decides what to do with the code.
 */
export async function run(argv: string[], options: CreateProgramOptions = {}): Promise<ExitCode> {
  const io = resolveIO(options);
  let exitCode: ExitCode = EXIT_CODES.OK;
  const program = createProgram({
    ...options,
    ...io,
    onExitCode: (code) => {
      exitCode = code;
      options.onExitCode?.(code);
    },
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    return renderError(error, io, wantsJson(argv));
  }
}
