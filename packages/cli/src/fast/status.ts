import { registerStatus } from '../commands/status';
import type { ExitCode } from '../exit-codes';
import { type CreateProgramOptions, createProgramShell, runProgram } from '../program-shell';

// The entry of `dist/fast/status.cjs`, the start-up bundle of `biged status` (see ../command-name.ts and
// tsup.config.ts): the same program `fast-dispatch.ts` builds for `status`, in one file.

/** Runs `biged status ...` (`argv` without node and the script) and resolves to its exit code. */
export function run(argv: string[], options: CreateProgramOptions = {}): Promise<ExitCode> {
  return runProgram(argv, options, (programOptions) => createProgramShell(programOptions, registerStatus));
}
