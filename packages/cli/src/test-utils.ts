import { writeFileSync } from 'node:fs';
import { createTempHome, type TempHome } from '@biged/core/test';
import { type CreateProgramOptions, run } from './program';

/** What one in-process `biged` run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON. */
  json<T = Record<string, unknown>>(): T;
}

/**
 * Runs `biged` in-process with captured output and an environment that holds no BIGED_HOME, so a
 * test never touches the real ~/.biged.
 */
export async function runCli(argv: string[], options: CreateProgramOptions = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    env: {},
    ...options,
    stdout: {
      write: (text: string) => {
        stdout += text;
      },
    },
    stderr: {
      write: (text: string) => {
        stderr += text;
      },
    },
  });
  return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
}

/** A temp home after `biged init`, optionally with a fleet.toml written over the template. */
export async function initHome(fleetToml?: string): Promise<TempHome> {
  const home = createTempHome();
  const result = await runCli(['init', '--home', home.home]);
  if (result.code !== 0) throw new Error(`init failed: ${result.stderr}`);
  if (fleetToml !== undefined) {
    writeFileSync(home.config, fleetToml);
  }
  return home;
}
