import { isatty } from 'node:tty';
import { createTerminalPrompt } from './prompt';

/** Something text can be written to: `process.stdout`, or a buffer in tests. */
export interface TextSink {
  write(text: string): unknown;
}

/** Where a CLI run reads its environment from and writes its output to. */
export interface CliIO {
  /** Results: tables, JSON documents. Default `process.stdout`. */
  stdout: TextSink;
  /** Errors, warnings, progress. Default `process.stderr`. */
  stderr: TextSink;
  /** Environment (`BIGED_HOME`, `NO_COLOR`). Default `process.env`. */
  env: NodeJS.ProcessEnv;
  /** Directory relative paths (`--home ./x`) resolve against. Default `process.cwd()`. */
  cwd: string;
  /**
   * Asks the user one question and resolves with the line typed (without its line break); undefined when
   * there is nobody to ask (stdin is not a terminal), so commands that need a confirmation refuse instead.
   * Default: a prompt on the terminal when `process.stdin` is a TTY, else undefined.
   */
  prompt?: CliPrompt | undefined;
}

/** Asks a question (written to stderr) and resolves with the answer line. */
export type CliPrompt = (question: string) => Promise<string>;

/**
 * `CliIO` with every field optional; missing ones fall back to the process. `prompt: false` means "no
 * terminal" (nothing is ever asked), whatever `process.stdin` is.
 */
export type CliIOOptions = Partial<Omit<CliIO, 'prompt'>> & { prompt?: CliPrompt | false };

/** Fills in the process defaults. */
export function resolveIO(options: CliIOOptions = {}): CliIO {
  return {
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
    prompt:
      options.prompt === false ? undefined : (options.prompt ?? (isatty(0) ? terminalPrompt : undefined)),
  };
}

/**
 * The default prompt. `process.stdin` is touched only when a question is asked: creating the stream costs a
 * few milliseconds, which `biged status` and the other commands that never ask should not pay at start-up.
 */
const terminalPrompt: CliPrompt = (question) =>
  createTerminalPrompt({ input: process.stdin, output: process.stderr })(question);
