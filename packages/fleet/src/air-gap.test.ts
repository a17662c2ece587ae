import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createTempHome, type TempHome } from '@biged/core/test';
import { createQueue, type TaskQueue } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { startDetached, stopSupervisor } from './detach';
import { readSupervisorState } from './supervisor-state';
import { testSkillsDir, waitForStatus } from './test-helpers';

// The fleet runs as real processes (the built dist/), each with the outbound trap preloaded.
const trap = fileURLToPath(new URL('./__fixtures__/outbound-trap.mjs', import.meta.url));
const probe = fileURLToPath(new URL('./__fixtures__/outbound-probe.mjs', import.meta.url));
const supervisorScript = fileURLToPath(new URL('./__fixtures__/run-supervisor.mjs', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface TrapLine {
  pid: number;
  kind: 'loaded' | 'socket' | 'net' | 'tls' | 'dns' | 'fetch';
  target: string;
}

const readTrap = (file: string): TrapLine[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as TrapLine)
    : [];

const trapEnv = (file: string): NodeJS.ProcessEnv => ({
  ...process.env,
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${pathToFileURL(trap).href}`.trim(),
  BIGED_OUTBOUND_TRAP_FILE: file,
});

let home: TempHome | undefined;
let queue: TaskQueue | undefined;
afterEach(async () => {
  queue?.close();
  queue = undefined;
  if (home) await stopSupervisor({ home: home.home, timeoutMs: 10_000 });
  home?.cleanup();
  home = undefined;
});

describe('air-gap: no outbound connection from any fleet process', () => {
  it('the trap records (and refuses) every outbound path, and lets loopback through', () => {
    home = createTempHome();
    const file = path.join(home.home, 'outbound.jsonl');
    const run = spawnSync(process.execPath, [probe], {
      env: trapEnv(file),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const attempts = readTrap(file).filter((line) => line.kind !== 'loaded');
    expect(attempts.map((line) => [line.kind, line.target])).toEqual([
      ['net', '192.0.2.10:443'],
      ['socket', '198.51.100.7:80'],
      ['tls', '203.0.113.5:443'],
      ['dns', 'example.invalid'],
      ['fetch', 'https://api.anthropic.com'],
    ]);
  });

  it('a fleet in air-gap mode runs allowed tasks (and a local model call) with zero outbound attempts', async () => {
    if (!existsSync(dist)) throw new Error(`${dist} is missing: run \`npx tsup\` in packages/fleet first`);
    home = createTempHome({
      fleetToml: `
[fleet]
air_gap_mode = true
air_gap_skills = ["test_record", "test_sleep", "test_model_hello"]
heartbeat_interval_secs = 0.2
status_interval_secs = 0.5
[workers]
roles = ["coder"]
coder_count = 2
shutdown_grace_secs = 2
[skills]
dirs = [${JSON.stringify(testSkillsDir)}]
`,
    });
    const file = path.join(home.home, 'outbound.jsonl');
    await startDetached({
      home: home.home,
      command: [process.execPath, supervisorScript],
      env: trapEnv(file),
      timeoutMs: 60_000,
    });
    const state = readSupervisorState(home.home)!;
    const fleetPids = [state.pid, ...state.workers.map((worker) => worker.pid!)];
    expect(fleetPids).toHaveLength(3);

    queue = createQueue({ file: home.db });
    const counter = path.join(home.home, 'runs.txt');
    const tasks = [
      ...Array.from({ length: 4 }, () =>
        queue!.enqueue({ skill: 'test_record', payload: { file: counter } }),
      ),
      ...Array.from({ length: 2 }, () => queue!.enqueue({ skill: 'test_sleep', payload: { ms: 20 } })),
    ];
    // A local model call: the router may only try the loopback Ollama API (nothing listens; it fails).
    const model = queue.enqueue({ skill: 'test_model_hello', payload: {}, maxAttempts: 1 });
    for (const task of tasks) await waitForStatus(queue, task.id, 'DONE', 30_000);
    await waitForStatus(queue, model.id, 'FAILED', 30_000);
    expect(readFileSync(counter, 'utf8').trim().split('\n')).toHaveLength(4);

    await stopSupervisor({ home: home.home, timeoutMs: 10_000 });
    const lines = readTrap(file);
    const loaded = new Set(lines.filter((line) => line.kind === 'loaded').map((line) => line.pid));
    // The trap was active in the supervisor and in every worker (else "no attempts" would prove nothing).
    for (const pid of fleetPids) expect(loaded.has(pid)).toBe(true);
    expect(lines.filter((line) => line.kind !== 'loaded')).toEqual([]);
  }, 120_000);
});
