import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// `biged status` must start fast: its module graph may not hold Hono, Ink/React or a model SDK (the issue's
// start-up budget). The built binary runs under a module resolve hook that logs every URL it resolves, so
// the check sees exactly what Node loaded, dynamic imports included.

const exec = promisify(execFile);
const bin = new URL('../../dist/bin.js', import.meta.url).pathname;
const dir = mkdtempSync(path.join(tmpdir(), 'biged-load-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FORBIDDEN: Array<[string, RegExp]> = [
  ['Hono', /\/node_modules\/(hono|@hono\/node-server)\//],
  ['Ink', /\/node_modules\/(ink|react|react-reconciler)\//],
  ['a model SDK', /\/node_modules\/(@anthropic-ai\/sdk|openai|@google\/genai|ollama)\//],
  ['the dashboard', /\/packages\/dashboard\/|\/node_modules\/@biged\/dashboard\//],
  ['the model providers', /\/packages\/model-providers\/|\/node_modules\/@biged\/model-providers\//],
  // What the lean status graph (fast-dispatch.ts, @biged/queue/read, @biged/core/startup) leaves out.
  ['Drizzle', /\/node_modules\/drizzle-orm\//],
  ['the skills', /\/packages\/skills\/|\/node_modules\/@biged\/skills\//],
  ['the Module Hub', /\/packages\/module-hub\/|\/node_modules\/@biged\/module-hub\//],
  ['all of @biged/core', /\/packages\/core\/dist\/index\.js$/],
  ['the logger (pino)', /\/node_modules\/pino\//],
];

/** Runs the built binary with the resolve hook; returns every module URL it loaded. */
async function loadedModules(args: string[]): Promise<string[]> {
  const log = path.join(dir, `load-${Date.now()}-${Math.random().toString(36).slice(2)}.log`);
  const hook = path.join(dir, 'hook.mjs');
  writeFileSync(
    hook,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.BIGED_LOAD_LOG, result.url + '\\n');
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
  await exec(process.execPath, ['--import', register, bin, ...args], {
    env: { ...process.env, BIGED_HOME: '', BIGED_LOAD_LOG: log },
  });
  return readFileSync(log, 'utf8').trim().split('\n');
}

describe('biged status start-up', () => {
  it('loads no Hono, Ink, model SDK or dashboard module (they are imported lazily by their commands)', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    await exec(process.execPath, [bin, 'init', '--home', home]);
    const loaded = await loadedModules(['status', '--home', home, '--json']);
    // The hook works: the queue and the CLI itself were seen.
    expect(loaded.some((url) => url.endsWith('/cli/dist/bin.js'))).toBe(true);
    expect(loaded.some((url) => /\/queue\/dist\//.test(url))).toBe(true);
    expect(loaded.some((url) => /\/queue\/dist\/read\/index\.js$/.test(url))).toBe(true);
    for (const [what, pattern] of FORBIDDEN) {
      const hits = loaded.filter((url) => pattern.test(url));
      expect(hits, `biged status loaded ${what}`).toEqual([]);
    }
  }, 60_000);

  it('with an unchanged fleet.toml, loads neither smol-toml nor zod (the config cache), and re-validates an edit', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    await exec(process.execPath, [bin, 'init', '--home', home]);
    const parsers = /\/node_modules\/(zod|smol-toml)\//;
    // The first run validates (and caches); the second one reads the cache.
    expect((await loadedModules(['status', '--home', home, '--json'])).some((url) => parsers.test(url))).toBe(
      true,
    );
    const cached = await loadedModules(['status', '--home', home, '--json']);
    expect(cached.filter((url) => parsers.test(url))).toEqual([]);
    // An edited fleet.toml is validated again: a bad value is reported, not served from the cache.
    const config = path.join(home, 'fleet.toml');
    writeFileSync(config, `${readFileSync(config, 'utf8')}\n[naming]\ndevice_name = "NOT VALID"\n`);
    const failed = await exec(process.execPath, [bin, 'status', '--home', home]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining('naming.device_name') });
  }, 60_000);

  it('the check can fail: `biged dashboard --print-token` loads Hono lazily, and the hook sees it', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    await exec(process.execPath, [bin, 'init', '--home', home]);
    const loaded = await loadedModules(['dashboard', '--print-token', '--home', home]);
    expect(loaded.filter((url) => FORBIDDEN[0]![1].test(url)).length).toBeGreaterThan(0);
    expect(loaded.filter((url) => FORBIDDEN[3]![1].test(url)).length).toBeGreaterThan(0);
  }, 60_000);

  it('the lean-graph checks can fail: `biged --help` loads every command, so Drizzle and all of @biged/core', async () => {
    const loaded = await loadedModules(['--help']);
    for (const what of ['Drizzle', 'all of @biged/core', 'the skills']) {
      const pattern = FORBIDDEN.find(([name]) => name === what)![1];
      expect(loaded.filter((url) => pattern.test(url)).length, what).toBeGreaterThan(0);
    }
  }, 60_000);
});
