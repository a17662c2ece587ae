import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordModuleLoads } from '@biged/core/test';
import { afterAll, describe, expect, it } from 'vitest';

// Claude's and Gemini's SDKs take Node a few hundred milliseconds to load. Building the fleet router (every
// worker, `biged task`) must not load them; the first call to the provider does. The built package runs in
// a child process under hooks that log every module it loads (`recordModuleLoads`).

const distIndex = new URL('../dist/index.js', import.meta.url);
const dir = mkdtempSync(path.join(tmpdir(), 'biged-lazy-sdk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SDKS = /\/node_modules\/(@anthropic-ai\/sdk|@google\/genai)\//;

/** Runs `body` (an async function's statements, with `providers` = the package) and returns what loaded. */
async function loadedBy(body: string): Promise<{ before: string[]; after: string[] }> {
  const scriptFile = path.join(dir, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    scriptFile,
    `import { appendFileSync } from 'node:fs';
const providers = await import(${JSON.stringify(distIndex.href)});
${body}
`,
  );
  const { loaded } = await recordModuleLoads({
    args: [scriptFile],
    env: { ...process.env, ANTHROPIC_API_KEY: '', GEMINI_API_KEY: '', GOOGLE_API_KEY: '' },
  });
  const mark = loaded.indexOf('MARK');
  return { before: loaded.slice(0, mark), after: loaded.slice(mark + 1) };
}

describe('external model SDKs', () => {
  it('load at the first call to their provider, not when the providers are built', async () => {
    expect(existsSync(distIndex), 'build with `npx tsup` in packages/model-providers first').toBe(true);
    const { before, after } = await loadedBy(`
const secrets = { resolve: () => undefined, get: () => undefined };
const claude = providers.createAnthropicProvider({ secrets });
const gemini = providers.createGeminiProvider({ secrets });
appendFileSync(process.env.MODULE_LOAD_LOG, 'MARK\\n');
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
