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
}

/** `CliIO` with every field optional; missing ones fall back to the process. */
export type CliIOOptions = Partial<CliIO>;

/** Fills in the process defaults. */
export function resolveIO(options: CliIOOptions = {}): CliIO {
  return {
    stdout: options.stdout ?? process.stdout,
    stderr: options.stderr ?? process.stderr,
    env: options.env ?? process.env,
    cwd: options.cwd ?? process.cwd(),
  };
}
