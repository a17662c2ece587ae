#!/usr/bin/env node
// `biged ui` to first frame: the time from spawning the built CLI on a pseudo terminal to the first
// rendered tab bar, against a bare `node -e 0` on the same terminal, and the launcher alone without the CLI
// (first-frame-direct.mjs) for this package's share. Target: under 500 ms. The pty comes
// from util-linux `script`; without it the benchmark says so and exits 0. Run: `pnpm --filter @biged/ui bench`
// (needs `pnpm build` first).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const TARGET_MS = 500;
const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, '../../cli/dist/bin.cjs');
const probe = path.join(here, 'first-frame-probe.mjs');
const direct = path.join(here, 'first-frame-direct.mjs');

const quote = (text) => `'${text.replaceAll("'", "'\\''")}'`;

function hasScript() {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Spawns `command` on a pty; resolves with the ms until `marker` is printed (or until exit without one). */
function timeOnPty(command, marker, extraEnv = {}) {
  const env = { ...process.env, TERM: 'xterm-256color', COLUMNS: '80', LINES: '24', ...extraEnv };
  delete env.CI;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('script', ['-qfec', `stty cols 80 rows 24; ${command}`, '/dev/null'], {
      env,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    let done = false;
    const finish = () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      done = true;
      resolve(ms);
    };
    child.stdout.on('data', (chunk) => {
      output += chunk.toString('utf8');
      if (!done && marker && output.includes(marker)) {
        finish();
        child.stdin.write('q');
        setTimeout(() => child.kill('SIGTERM'), 2000).unref();
      }
    });
    child.on('error', reject);
    child.on('exit', () => {
      if (!done && marker) reject(new Error(`exited before drawing ${marker}:\n${output.slice(-2000)}`));
      else if (!done) finish();
    });
  });
}

const stats = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)], max: sorted.at(-1) };
};
const ms = (value) => `${value.toFixed(0)} ms`;

if (!existsSync(bin)) {
  console.error(`bench: ${bin} is missing; run \`pnpm build\` first`);
  process.exit(1);
}
if (!hasScript()) {
  console.log('bench: skipped: no `script` (util-linux) to give `biged ui` a pseudo terminal');
  process.exit(0);
}
const home = mkdtempSync(path.join(tmpdir(), 'biged-ui-bench-'));
try {
  execFileSync(process.execPath, [bin, 'init', '--home', home], { stdio: 'ignore' });
  const node = quote(process.execPath);
  await timeOnPty(`${node} ${quote(bin)} ui --home ${quote(home)}`, '6 Modules'); // warm the file cache
  const bare = [];
  const ui = [];
  const cpu = [];
  const inProcess = [];
  const alone = [];
  const aloneCpu = [];
  const probeFile = path.join(home, 'probe.json');
  for (let run = 0; run < RUNS; run += 1) {
    bare.push(await timeOnPty(`${node} -e 0`, undefined));
    ui.push(
      await timeOnPty(`${node} ${quote(bin)} ui --home ${quote(home)}`, '6 Modules', {
        NODE_OPTIONS: `--import ${pathToFileURL(probe).href}`,
        BIGED_UI_BENCH_PROBE: probeFile,
      }),
    );
    const measured = JSON.parse(readFileSync(probeFile, 'utf8'));
    cpu.push(measured.cpuMs);
    inProcess.push(measured.uptimeMs);
    alone.push(
      await timeOnPty(`${node} ${quote(direct)} ${quote(home)}`, '6 Modules', {
        NODE_OPTIONS: `--import ${pathToFileURL(probe).href}`,
        BIGED_UI_BENCH_PROBE: probeFile,
      }),
    );
    aloneCpu.push(JSON.parse(readFileSync(probeFile, 'utf8')).cpuMs);
  }
  const base = stats(bare);
  const first = stats(ui);
  console.log(`biged ui first frame (${RUNS} runs on an 80x24 pty, empty fleet home):`);
  console.log(`  node -e 0        median ${ms(base.median)}  min ${ms(base.min)}  max ${ms(base.max)}`);
  console.log(`  biged ui         median ${ms(first.median)}  min ${ms(first.min)}  max ${ms(first.max)}`);
  console.log(`  biged ui - node  median ${ms(first.median - base.median)}`);
  const cpuStats = stats(cpu);
  const own = stats(inProcess);
  console.log(`  biged ui own clock to first frame  median ${ms(own.median)}  min ${ms(own.min)}`);
  console.log(`  biged ui CPU time to first frame   median ${ms(cpuStats.median)}  min ${ms(cpuStats.min)}`);
  const launcher = stats(alone);
  console.log(
    `  launcher alone (fleet.toml + @biged/ui, no CLI)  median ${ms(launcher.median)}  min ${ms(launcher.min)}  CPU median ${ms(stats(aloneCpu).median)}`,
  );
  const load = (await import('node:os')).loadavg()[0];
  console.log(
    `  load average ${load.toFixed(1)} on ${(await import('node:os')).cpus().length} CPUs (wall times grow with it; CPU time far less)`,
  );
  console.log(
    `  target < ${TARGET_MS} ms to first frame: ${first.median < TARGET_MS ? 'met' : 'NOT met'} (median ${ms(first.median)})`,
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
