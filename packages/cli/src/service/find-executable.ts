import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** Options of `findExecutable`. */
export interface FindExecutableOptions {
  /** The command name (`curl`, `systemctl`). A name with a path separator is never looked up. */
  name: string;
  /** The environment whose `PATH` (and on Windows `PATHEXT`) is searched. */
  env: NodeJS.ProcessEnv;
  /** Platform rules to apply. Default `process.platform`. */
  platform?: NodeJS.Platform;
}

/**
 * The first executable file called `name` on `env.PATH`, like `which`, or undefined. On Windows each
 * `PATHEXT` extension (default `.COM;.EXE;.BAT;.CMD`) is tried and the execute bit is not checked.
 * Nothing is run.
 */
export function findExecutable({
  name,
  env,
  platform = process.platform,
}: FindExecutableOptions): string | undefined {
  if (name === '' || name.includes('/') || name.includes('\\')) return undefined;
  const windows = platform === 'win32';
  const pathText = env.PATH ?? env.Path ?? '';
  const folders = pathText.split(windows ? ';' : path.delimiter).filter((folder) => folder !== '');
  const extensions = windows
    ? ['', ...(env.PATHEXT ?? '.COM;.EXE;.BAT;.CMD').split(';').filter((ext) => ext !== '')]
    : [''];
  for (const folder of folders) {
    for (const extension of extensions) {
      const candidate = path.join(folder, `${name}${extension}`);
      try {
        if (!statSync(candidate).isFile()) continue;
        if (!windows) accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {
        // not there, or not executable: keep looking
      }
    }
  }
  return undefined;
}
