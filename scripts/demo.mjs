#!/usr/bin/env node
// The fleet's main job on its embedded default: a temporary fleet home, the supervisor up, a code_index
// task over this repository dispatched and its result printed, the fleet stopped, the home removed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const bin = path.join(repo, 'packages/cli/dist/bin.cjs');
const home = mkdtempSync(path.join(tmpdir(), 'biged-demo-'));
const biged = (...args) => {
  console.log(`$ biged ${args.join(' ')}`);
  const output = execFileSync(process.execPath, [bin, ...args, '--home', home], { encoding: 'utf8' });
  process.stdout.write(output);
  return output;
};

let up = false;
try {
  biged('init');
  biged('up', '--detach');
  up = true;
  biged('status');
  biged('dispatch', 'code_index', JSON.stringify({ path: repo }), '--wait');
} finally {
  if (up) biged('down');
  rmSync(home, { recursive: true, force: true });
}
