import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { recordModuleLoads } from '@biged/core/test';
import { describe, expect, it } from 'vitest';

// `biged ui` draws its first frame from dist/launcher/start-launcher.js (README, "Start-up"). What that
// bundle loads before it can render is the first frame's budget: no config validator (zod, smol-toml: the
// CLI hands it a validated config) and no undici (yoga-layout's wasm loader would fetch its own data: URL).

const exec = promisify(execFile);
const bundle = new URL('../dist/launcher/start-launcher.js', import.meta.url);

describe('the launcher bundle', () => {
  it('imports without the config validator, and its yoga-layout decodes its wasm without fetch', async () => {
    expect(existsSync(bundle), 'build with `npx tsup` in packages/ui first').toBe(true);
    // Importing the bundle runs yoga-layout's loader (a top-level await): fetch, if called, loads undici,
    // which shows in Node's list of loaded internal modules.
    const { loaded, stdout } = await recordModuleLoads({
      args: [
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(bundle.href)}); console.log(JSON.stringify(process.moduleLoadList.filter((name) => name.includes('undici'))));`,
      ],
    });
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
