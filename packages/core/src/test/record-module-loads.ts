import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Options of `recordModuleLoads`. */
export interface RecordModuleLoadsOptions {
  /** Node's arguments after the hooks: a script and its arguments, or `--input-type=module -e <code>`. */
  args: string[];
  /** Environment of the child (default: this process's). `MODULE_LOAD_LOG` is set on top. */
  env?: NodeJS.ProcessEnv;
}

/** What `recordModuleLoads` saw. */
export interface ModuleLoads {
  /**
   * Every module the child loaded, in order: file URLs (ES module imports and CommonJS requires alike)
   * and builtin names, plus any line the child appended to `process.env.MODULE_LOAD_LOG` itself (a marker
   * separating phases).
   */
  loaded: string[];
  stdout: string;
}

/**
 * Runs Node with two hooks that log every module it loads: a module resolve hook (`--import`) for ES
 * modules and a `Module._resolveFilename` wrapper (`--require`) for CommonJS. For tests that keep a
 * start-up path lean (`biged status`, the launcher bundle, lazily loaded SDKs). Rejects when the child
 * exits non-zero.
 */
export async function recordModuleLoads({
  args,
  env = process.env,
}: RecordModuleLoadsOptions): Promise<ModuleLoads> {
  const dir = mkdtempSync(path.join(tmpdir(), 'biged-module-loads-'));
  try {
    const log = path.join(dir, 'loaded.log');
    const hook = path.join(dir, 'hook.mjs');
    writeFileSync(
      hook,
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.MODULE_LOAD_LOG, result.url + '\\n');
  return result;
}
`,
    );
    const register = path.join(dir, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`,
    );
    const requireHook = path.join(dir, 'require-hook.cjs');
    writeFileSync(
      requireHook,
      `const Module = require('node:module');
const { appendFileSync } = require('node:fs');
const { pathToFileURL } = require('node:url');
const append = (line) => appendFileSync(process.env.MODULE_LOAD_LOG, line + '\\n');
// Builtins: Module._load sees every require of one (a 'node:' one never reaches _resolveFilename).
const load = Module._load;
Module._load = function (request, ...rest) {
  if (Module.isBuiltin(request)) append(request.startsWith('node:') ? request : 'node:' + request);
  return load.call(this, request, ...rest);
};
// Files: their resolved path, as a file URL like the ES module hook's.
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (...args) {
  const file = resolveFilename.apply(this, args);
  if (file.includes('/')) append(pathToFileURL(file).href);
  return file;
};
`,
    );
    writeFileSync(log, '');
    const { stdout } = await exec(
      process.execPath,
      ['--require', requireHook, '--import', register, ...args],
      {
        env: { ...env, MODULE_LOAD_LOG: log },
      },
    );
    const loaded = readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line !== '');
    return { loaded, stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
