#!/usr/bin/env node
// `pnpm bench` (cli): `biged status --json` start-up time against a bare `node -e 0`, measured in this run,
// hyperfine-style: one warm-up each, then BENCH_RUNS (20) alternating runs; prints the medians and their
// ratio (target < 1.5x). The last line is the result as JSON.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const bin = fileURLToPath(new URL('../dist/bin.cjs', import.meta.url));
const home = mkdtempSync(path.join(tmpdir(), 'biged-status-bench-'));
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const time = (args) => {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, BIGED_HOME: '' },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0)
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
};

try {
  execFileSync(process.execPath, [bin, 'init', '--home', home], { stdio: 'ignore' });
  const bare = ['-e', '0'];
  const status = [bin, 'status', '--home', home, '--json'];
  time(bare);
  time(status);
  const bareRuns = [];
  const statusRuns = [];
  for (let run = 0; run < RUNS; run++) {
    bareRuns.push(time(bare));
    statusRuns.push(time(status));
  }
  const bareMs = median(bareRuns);
  const statusMs = median(statusRuns);
  const ratio = statusMs / bareMs;
  console.log(
    `biged status start-up, ${RUNS} runs each (median): node -e 0 ${bareMs.toFixed(1)} ms, biged status ${statusMs.toFixed(1)} ms`,
  );
  console.log(
    `biged status: ${ratio.toFixed(2)}x a bare node start (target < 1.5x): ${ratio < 1.5 ? 'PASS' : 'MISS'}`,
  );
  console.log(
    JSON.stringify({
      runs: RUNS,
      bareMedianMs: Number(bareMs.toFixed(2)),
      statusMedianMs: Number(statusMs.toFixed(2)),
      ratio: Number(ratio.toFixed(3)),
      target: '< 1.5',
      pass: ratio < 1.5,
    }),
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
