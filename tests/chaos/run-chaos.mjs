#!/usr/bin/env node
// `pnpm --filter @biged/chaos run chaos` (root: `pnpm test:chaos`): the chaos suite, CHAOS_PASSES (default 3)
// times in a row, each pass a fresh vitest run with its own seed, stopping at the first failure.
// CHAOS_SEED=<n> makes pass k use seed n + k - 1 (repeat a failed pass with its printed seed and
// CHAOS_PASSES=1); without it the first seed is random. Extra arguments go to vitest (a file filter,
// e.g. `pnpm --filter @biged/chaos run chaos db-lock`).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const vitestPackage = require.resolve('vitest/package.json');
const vitestBin = join(dirname(vitestPackage), require(vitestPackage).bin.vitest);

const passes = Number(process.env.CHAOS_PASSES ?? 3);
if (!Number.isInteger(passes) || passes < 1) {
  console.error(`CHAOS_PASSES must be a whole number of at least 1, got ${process.env.CHAOS_PASSES}`);
  process.exit(2);
}
const fromEnv = process.env.CHAOS_SEED;
const firstSeed =
  fromEnv !== undefined && fromEnv !== ''
    ? Number.parseInt(fromEnv, 10)
    : Math.floor(Math.random() * 2 ** 30);
if (!Number.isSafeInteger(firstSeed)) {
  console.error(`CHAOS_SEED must be an integer, got ${fromEnv}`);
  process.exit(2);
}

const total = performance.now();
for (let pass = 1; pass <= passes; pass++) {
  const seed = firstSeed + pass - 1;
  console.log(`chaos pass ${pass}/${passes}: CHAOS_SEED=${seed}`);
  const started = performance.now();
  const run = spawnSync(process.execPath, [vitestBin, 'run', ...process.argv.slice(2)], {
    cwd: here,
    stdio: 'inherit',
    env: { ...process.env, CHAOS_SEED: String(seed) },
  });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (run.status !== 0) {
    console.error(
      `chaos pass ${pass}/${passes} FAILED after ${seconds} s (exit ${run.status ?? run.signal}); ` +
        `repeat it with CHAOS_SEED=${seed} CHAOS_PASSES=1`,
    );
    process.exit(1);
  }
  console.log(`chaos pass ${pass}/${passes} ok (${seconds} s, CHAOS_SEED=${seed})`);
}
console.log(`chaos: ${passes} passes in a row ok in ${((performance.now() - total) / 1000).toFixed(1)} s`);
