// Test helpers (not exported from the package): temp fleet homes with a real fleet.db, module folders
// importing the real built SDK, tar.gz bundles made with the system's tar, and key presses for Ink.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type FleetConfig, fleetPaths, parseFleetConfig } from '@biged/core';
import { createQueue, type TaskQueue } from '@biged/queue';

/** A temp fleet home with an open queue on its real fleet.db. */
export interface TestHome {
  home: string;
  config: FleetConfig;
  queue: TaskQueue;
  cleanup(): void;
}

/** Creates a temp fleet home (config from `sections`) and opens `<home>/fleet.db`. */
export function testHome(sections: Record<string, unknown> = {}): TestHome {
  const home = mkdtempSync(path.join(tmpdir(), 'biged-ui-'));
  const config = parseFleetConfig(sections).config;
  const queue = createQueue({ file: fleetPaths(home).db });
  return {
    home,
    config,
    queue,
    cleanup: () => {
      queue.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The built @biged/module-sdk entry as a file URL, so module code written by tests can import it. */
export const SDK_URL = pathToFileURL(
  path.resolve(
    fileURLToPath(new URL('.', import.meta.url)),
    '../node_modules/@biged/module-sdk/dist/index.js',
  ),
).href;

/** Writes files (relative path -> content) under `dir`. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** A module folder's files: module.json and an index.js whose body is `definition` (an object literal). */
export function moduleFiles(name: string, definition: string, version = '1.0.0'): Record<string, string> {
  return {
    'module.json': JSON.stringify({ name, version, entry: 'index.js', description: `the ${name} module` }),
    'index.js': `import { defineModule, z } from ${JSON.stringify(SDK_URL)};\nexport default defineModule(${definition});\n`,
  };
}

/** A tar.gz of `files` made with the system's tar (`tar -czf x.tgz -C dir .`). */
export function tarGz(files: Record<string, string>, out: string): void {
  const source = mkdtempSync(path.join(tmpdir(), 'biged-ui-bundle-'));
  try {
    writeTree(source, files);
    execFileSync('tar', ['-czf', out, '-C', source, '.']);
  } finally {
    rmSync(source, { recursive: true, force: true });
  }
}

/** Key sequences as a terminal sends them. */
export const KEYS = {
  up: '\u001B[A',
  down: '\u001B[B',
  enter: '\r',
  escape: '\u001B',
  tab: '\t',
  shiftTab: '\u001B[Z',
  backspace: '\u007F',
} as const;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `frame()` until `predicate` holds (or throws after `timeoutMs` with the last frame). */
export async function waitForFrame(
  frame: () => string | undefined,
  predicate: string | RegExp | ((text: string) => boolean),
  timeoutMs = 5000,
): Promise<string> {
  const test =
    typeof predicate === 'function'
      ? predicate
      : typeof predicate === 'string'
        ? (text: string) => text.includes(predicate)
        : (text: string) => predicate.test(text);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = frame() ?? '';
    if (test(text)) return text;
    if (Date.now() > deadline)
      throw new Error(`frame never matched ${String(predicate)}; last frame:\n${text}`);
    await sleep(20);
  }
}

/** Writes keys one write at a time, letting Ink handle each (it reads input asynchronously). */
export async function press(stdin: { write(data: string): void }, ...keys: string[]): Promise<void> {
  for (const key of keys) {
    stdin.write(key);
    await sleep(30);
  }
}

/** Types text as a terminal would, one character per write. */
export async function type(stdin: { write(data: string): void }, text: string): Promise<void> {
  // A text field that just appeared subscribes to keys after its first frame: give it that moment.
  await sleep(30);
  for (const char of text) {
    stdin.write(char);
    await sleep(5);
  }
  await sleep(30);
}
