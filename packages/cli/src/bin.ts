#!/usr/bin/env node
import path from 'node:path';
import { BUNDLED_COMMANDS, commandWordOf } from './command-name';
import { EXIT_CODES, type ExitCode } from './exit-codes';

// `dist/bin.cjs`, the `biged` executable. CommonJS on purpose: `biged status` is required straight from its
// start-up bundle (dist/fast/status.cjs) without starting Node's ES module loader, which alone costs more
// than the command's own work. Every other command goes to the ES module program (dist/main.js).

interface Runner {
  run(argv: string[], options: { binPath: string }): Promise<ExitCode>;
}

// `biged logs x | head -1` closes the pipe early; that is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const argv = process.argv.slice(2);
const options = { binPath: __filename };
const word = commandWordOf(argv);
const exitCode: Promise<ExitCode> =
  word !== undefined && BUNDLED_COMMANDS.has(word)
    ? (require(path.join(__dirname, 'fast', `${word}.cjs`)) as Runner).run(argv, options)
    : import('./main.js').then(({ main }: { main: Runner['run'] }) => main(argv, options));

exitCode.then(
  (code) => {
    process.exitCode = code;
    // Every command closes what it opened, so the process normally ends here by itself. If a stray
    // handle (a third-party skill's timer) would keep it alive, leave anyway shortly after.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    // The program maps every error to an exit code; reaching this means the install itself is broken.
    process.stderr.write(
      `biged: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(EXIT_CODES.INTERNAL);
  },
);
