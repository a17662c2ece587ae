#!/usr/bin/env node
// Prints one closing line for the whole `pnpm test` run: the vitest results every package and app wrote to
// .vitest-results.json (turbo restores them for cached runs), plus the pack smoke test that ran before.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
const workspaces = [
  ...['packages', 'apps'].flatMap((folder) =>
    existsSync(path.join(repo, folder))
      ? readdirSync(path.join(repo, folder)).map((name) => path.join(folder, name))
      : [],
  ),
  // The benchmark package's own unit tests (report formatting, statistics).
  'bench',
];
for (const name of workspaces) {
  const file = path.join(repo, name, '.vitest-results.json');
  if (!existsSync(path.join(repo, name, 'package.json'))) continue;
  if (!existsSync(file)) {
    missing.push(name);
    continue;
  }
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
}
if (missing.length > 0) {
  console.error(`test-summary: no vitest results for ${missing.join(', ')}`);
  failed += missing.length;
}
if (process.argv.includes('--with-pack-smoke')) passed += 1;
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exitCode = failed > 0 ? 1 : 0;
