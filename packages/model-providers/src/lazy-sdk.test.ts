import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

// Claude's and Gemini's SDKs take Node a few hundred milliseconds to load. Building the fleet router (every
// worker, `biged task`) must not load them; the first call to the provider does. The built package runs in
// a child process under a resolve hook that logs every module it loads.

const exec = promisify(execFile);
const distIndex = new URL('../dist/index.js', import.meta.url);
const dir = mkdtempSync(path.join(tmpdir(), 'biged-lazy-sdk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SDKS = /\/node_modules\/(@anthropic-ai\/sdk|@google\/genai)\//;

/** Runs `body` (an async function's statements, with `providers` = the package) and returns what loaded. */
async function loadedBy(body: string): Promise<{ before: string[]; after: string[] }> {
  const log = path.join(dir, `load-${Math.random().toString(36).slice(2)}.log`);
  writeFileSync(
    path.join(dir, 'hook.mjs'),
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
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hook.mjs')).href)});\n`,
  );
  const script = `
import { appendFileSync } from 'node:fs';
const providers = await import(${JSON.stringify(distIndex.href)});
${body}
`;
  writeFileSync(log, '');
  const scriptFile = path.join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(scriptFile, script);
  await exec(process.execPath, ['--import', register, scriptFile], {
    env: { ...process.env, LOAD_LOG: log, ANTHROPIC_API_KEY: '', GEMINI_API_KEY: '', GOOGLE_API_KEY: '' },
  });
  const lines = readFileSync(log, 'utf8').split('\n');
  const mark = lines.indexOf('MARK');
  return { before: lines.slice(0, mark), after: lines.slice(mark + 1) };
}

describe('external model SDKs', () => {
  it('load at the first call to their provider, not when the providers are built', async () => {
    expect(existsSync(distIndex), 'build with `npx tsup` in packages/model-providers first').toBe(true);
    const { before, after } = await loadedBy(`
const secrets = { resolve: () => undefined, get: () => undefined };
const claude = providers.createAnthropicProvider({ secrets });
const gemini = providers.createGeminiProvider({ secrets });
appendFileSync(process.env.LOAD_LOG, 'MARK\\n');
// No key anywhere: each call fails with the provider's own error, after the SDK loaded.
for (const provider of [claude, gemini]) {
  const error = await provider.generate({ model: 'm', prompt: 'hi' }).catch((failure) => failure);
  if (error?.name !== 'ModelCallError') throw new Error('expected a ModelCallError, got ' + error);
}
`);
    expect(before.some((url) => url.endsWith('/model-providers/dist/index.js'))).toBe(true);
    expect(before.filter((url) => SDKS.test(url))).toEqual([]);
    // The check can fail: the calls load both.
    expect(after.some((url) => /\/@anthropic-ai\/sdk\//.test(url))).toBe(true);
    expect(after.some((url) => /\/@google\/genai\//.test(url))).toBe(true);
  }, 60_000);
});
