import { fileURLToPath } from 'node:url';
import { BigedError } from '@biged/core/startup';
import { Command, CommanderError } from 'commander';
import type { ProgramSession } from './context';
import { exitCodeFor, hintFor } from './errors/exit-code-for';
import { EXIT_CODES, type ExitCode, ISSUES_URL } from './exit-codes';
import { type CliIO, type CliIOOptions, resolveIO } from './io';
import { VERSION } from './version';

// The parts of the `biged` program that every command needs (global options, output wiring, the one error
// handler) without importing any command: `program.ts` adds every command to this shell, and `bin.ts` adds
// only the one being run (see fast-dispatch.ts) so that `biged status` does not load the rest.

/** Options for `createProgram` and `run`. */
export interface CreateProgramOptions extends CliIOOptions {
  /**
   * Absolute path of the `biged` bin script; `up --detach` re-runs it as the background supervisor.
   * Default: `bin.cjs` next to the built module.
   */
  binPath?: string;
  /** Called when a command finishes without throwing but must exit non-zero (a waited task FAILED). */
  onExitCode?: (code: ExitCode) => void;
}

/** Adds commands to a program shell (one `registerX` function, or all of them). */
export type RegisterCommands = (program: Command, session: ProgramSession) => void;

// The built bin sits next to the module that holds this code (dist/), whichever chunk that is.
const defaultBinPath = (): string => fileURLToPath(new URL('./bin.cjs', import.meta.url));

/**
 * Builds the `biged` commander program with its global options and lets `register` add commands. Output
 * goes to `stdout`/`stderr` (default: the process's). Commander errors are thrown (`exitOverride`).
 */
export function createProgramShell(options: CreateProgramOptions, register: RegisterCommands): Command {
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
    .exitOverride();
  register(program, session);
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
 * Runs the program `build` makes with `argv` (the arguments after the program name) and resolves to the
 * exit code. Never throws and never calls `process.exit`: the caller decides what to do with the code.
 */
export async function runProgram(
  argv: string[],
  options: CreateProgramOptions,
  build: (options: CreateProgramOptions) => Command,
): Promise<ExitCode> {
  const io = resolveIO(options);
  let exitCode: ExitCode = EXIT_CODES.OK;
  const program = build({
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
