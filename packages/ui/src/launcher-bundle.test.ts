import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// `biged ui` draws its first frame from dist/launcher/start-launcher.js (README, "Start-up"). What that
// bundle loads before it can render is the first frame's budget: no config validator (zod, smol-toml: the
// CLI hands it a validated config) and no undici (yoga-layout's wasm loader would fetch its own data: URL).

const exec = promisify(execFile);
const bundle = new URL('../dist/launcher/start-launcher.js', import.meta.url);
const dir = mkdtempSync(path.join(tmpdir(), 'biged-launcher-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the launcher bundle', () => {
  it('imports without the config validator, and its yoga-layout decodes its wasm without fetch', async () => {
    expect(existsSync(bundle), 'build with `npx tsup` in packages/ui first').toBe(true);
    const log = path.join(dir, 'load.log');
    const hook = path.join(dir, 'hook.mjs');
    writeFileSync(
      hook,
      `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.LOAD_LOG, result.url + '\\n');
  return result;
}
`,
    );
    const register = path.join(dir, 'register.mjs');
    writeFileSync(
      register,
      `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hook).href)});\n`,
    );
    writeFileSync(log, '');
    // Importing the bundle runs yoga-layout's loader (a top-level await): fetch, if called, loads undici,
    // which shows in Node's list of loaded internal modules.
    const { stdout } = await exec(
      process.execPath,
      [
        '--import',
        register,
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(bundle.href)}); console.log(JSON.stringify(process.moduleLoadList.filter((name) => name.includes('undici'))));`,
      ],
      { env: { ...process.env, LOAD_LOG: log } },
    );
    const loaded = readFileSync(log, 'utf8').trim().split('\n');
    expect(loaded.some((url) => url.endsWith('/launcher/start-launcher.js'))).toBe(true);
    expect(loaded.filter((url) => /\/node_modules\/(zod|smol-toml)\//.test(url))).toEqual([]);
    expect(JSON.parse(stdout)).toEqual([]);
  }, 60_000);

  it('the fetch check can fail: fetching a data: URL loads undici', async () => {
    const { stdout } = await exec(process.execPath, [
      '--input-type=module',
      '-e',
      `await fetch('data:text/plain,x'); console.log(JSON.stringify(process.moduleLoadList.filter((name) => name.includes('undici'))));`,
    ]);
    expect(JSON.parse(stdout).length).toBeGreaterThan(0);
  });
});
