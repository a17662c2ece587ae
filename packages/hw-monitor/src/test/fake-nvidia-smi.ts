import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Options for `createFakeNvidiaSmi`. */
export interface FakeNvidiaSmiOptions {
  /** What it prints on stdout at first. Default: nothing. */
  stdout?: string;
  /** Exit code at first. Default 0. */
  exitCode?: number;
}

/**
 * A real `nvidia-smi` executable (a POSIX shell script) in its own temp folder. Put `env.PATH` in front of
 * a child's PATH (or pass `env` to `readGpus`) and that child runs it instead of the real one. Each run
 * prints the current stdout/stderr, exits with the current code, or sleeps; change them between runs to
 * replay a heat-up. POSIX only (it needs `/bin/sh`, `cat` and `sleep`).
 */
export interface FakeNvidiaSmi {
  /** The folder holding the script. */
  dir: string;
  /** The script's full path. */
  file: string;
  /** An environment whose PATH finds the fake first (and `/usr/bin:/bin` for the shell tools). */
  env: NodeJS.ProcessEnv;
  /** The next runs print `text` on stdout and exit with `exitCode` (default 0). */
  respond(text: string, options?: { exitCode?: number; stderr?: string }): void;
  /** The next runs print `stderr` and exit with `exitCode`, printing nothing on stdout. */
  fail(exitCode: number, stderr?: string): void;
  /** The next runs sleep `seconds` (replacing the shell with `sleep`, like a hung driver call). */
  hang(seconds?: number): void;
  /** The argument lists of every run so far, oldest first. */
  calls(): string[][];
  /** Deletes the folder. */
  cleanup(): void;
}

const quote = (value: string) => `'${value.replaceAll("'", `'"'"'`)}'`;

/** Writes a fake `nvidia-smi` script into a new temp folder. */
export function createFakeNvidiaSmi(options: FakeNvidiaSmiOptions = {}): FakeNvidiaSmi {
  const dir = mkdtempSync(path.join(tmpdir(), 'biged-fake-nvidia-smi-'));
  const file = path.join(dir, 'nvidia-smi');
  const at = (name: string) => path.join(dir, name);
  const d = quote(dir);
  writeFileSync(
    file,
    [
      '#!/bin/sh',
      `dir=${d}`,
      // one line per run, arguments separated by a tab
      `printf '%s\\t' "$@" >> "$dir/calls.log"; printf '\\n' >> "$dir/calls.log"`,
      'if [ -f "$dir/sleep" ]; then exec sleep "$(cat "$dir/sleep")"; fi',
      'if [ -f "$dir/stderr" ]; then cat "$dir/stderr" >&2; fi',
      'if [ -f "$dir/stdout" ]; then cat "$dir/stdout"; fi',
      'exit "$(cat "$dir/exit" 2>/dev/null || echo 0)"',
      '',
    ].join('\n'),
  );
  chmodSync(file, 0o755);
  const clear = () => {
    for (const name of ['stdout', 'stderr', 'exit', 'sleep']) rmSync(at(name), { force: true });
  };
  const fake: FakeNvidiaSmi = {
    dir,
    file,
    env: { ...process.env, PATH: `${dir}${path.delimiter}/usr/bin${path.delimiter}/bin` },
    respond(text, { exitCode = 0, stderr } = {}) {
      clear();
      writeFileSync(at('stdout'), text);
      writeFileSync(at('exit'), String(exitCode));
      if (stderr !== undefined) writeFileSync(at('stderr'), stderr);
    },
    fail(exitCode, stderr = '') {
      clear();
      writeFileSync(at('stderr'), stderr);
      writeFileSync(at('exit'), String(exitCode));
    },
    hang(seconds = 30) {
      clear();
      writeFileSync(at('sleep'), String(seconds));
    },
    calls() {
      if (!existsSync(at('calls.log'))) return [];
      return readFileSync(at('calls.log'), 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => line.split('\t').filter((arg) => arg !== ''));
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
  fake.respond(options.stdout ?? '', { exitCode: options.exitCode ?? 0 });
  return fake;
}
