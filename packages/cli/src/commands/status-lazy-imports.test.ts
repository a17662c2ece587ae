import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { recordModuleLoads } from '@biged/core/test';
import { afterAll, describe, expect, it } from 'vitest';

// `biged status` must start fast: its module graph may not hold Hono, Ink/React or a model SDK (the issue's
// start-up budget). The built binary runs with two hooks that log every module Node loads: one for
// require() (the bin and the status bundle are CommonJS) and one for ES module imports (lazy paths). What
// the start-up bundle holds inside it is read from the build's metafile, so nothing hides in the bundle.

const exec = promisify(execFile);
const bin = new URL('../../dist/bin.cjs', import.meta.url).pathname;
const distDir = new URL('../../dist/', import.meta.url).pathname;
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

/** Runs the built binary; returns every module it loaded (file URLs and builtins, `node:<name>`). */
async function loadedModules(args: string[]): Promise<string[]> {
  return (await recordModuleLoads({ args: [bin, ...args], env: { ...process.env, BIGED_HOME: '' } })).loaded;
}

/** The source files esbuild put into `dist/fast/status.cjs`, as absolute paths. */
function bundledModules(): string[] {
  const meta = JSON.parse(readFileSync(path.join(distDir, 'metafile-cjs.json'), 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, unknown> }>;
  };
  const [, output] = Object.entries(meta.outputs).find(([file]) => file.endsWith('fast/status.cjs'))!;
  const packageDir = new URL('../../', import.meta.url).pathname;
  return Object.keys(output.inputs).map((input) => path.resolve(packageDir, input));
}

describe('biged status start-up', () => {
  it('loads no Hono, Ink, model SDK or dashboard module (they are imported lazily by their commands)', async () => {
    const home = mkdtempSync(path.join(dir, 'home-'));
    await exec(process.execPath, [bin, 'init', '--home', home]);
    await exec(process.execPath, [bin, 'status', '--home', home]); // fills the config cache
    const loaded = await loadedModules(['status', '--home', home, '--json']);
    // The hooks work: the bin, its status bundle and SQLite's driver were seen; the bundle holds the reader.
    expect(loaded.some((url) => url.endsWith('/cli/dist/bin.cjs'))).toBe(true);
    expect(loaded.some((url) => url.endsWith('/cli/dist/fast/status.cjs'))).toBe(true);
    expect(loaded.some((url) => /\/better-sqlite3\/lib\/index\.js$/.test(url))).toBe(true);
    const bundled = bundledModules();
    expect(bundled.some((file) => /\/queue\/dist\/read\/index\.js$/.test(file))).toBe(true);
    // A warm `biged status` is the bin, the bundle and SQLite's driver: no ES module of ours is loaded.
    expect(loaded.filter((url) => /\/(cli|core|queue|fleet)\/dist\/.*\.js$/.test(url))).toEqual([]);
    const everything = [...loaded, ...bundled.map((file) => pathToFileURL(file).href)];
    for (const [what, pattern] of FORBIDDEN) {
      const hits = everything.filter((url) => pattern.test(url));
      expect(hits, `biged status loaded ${what}`).toEqual([]);
    }
    // commander's child_process is loaded only when used (the bundle defers it), readline only to ask.
    expect(loaded.filter((id) => /^node:(child_process|readline)$/.test(id))).toEqual([]);
    // The check can fail: the same hooks see the builtins the bundle does require.
    expect(loaded).toContain('node:fs');
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
