// A throwaway redis-server for the BullMQ scenarios: loopback only, a free port, a temp dir, no persistence.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './free-port.mjs';
import { sleep } from './stats.mjs';

/**
 * The `redis-server --version` line, or null when no redis-server is on PATH (Debian: `apt-get install
 * redis-server`; .ci/run does not install it because the benchmark is not part of the test command).
 */
export function redisServerVersion() {
  const result = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return null;
  return /v=(\S+)/.exec(result.stdout)?.[1] ?? result.stdout.trim();
}

/**
 * Starts redis-server on 127.0.0.1 and a free port, with `--save '' --appendonly no` in a temp dir, and
 * waits until it answers PING. `stop()` ends it (SIGTERM, then SIGKILL after 5 s) and removes the dir.
 * Throws when the binary is missing or the server does not come up within `startTimeoutMs` (default 10000).
 */
export async function startRedisServer({ startTimeoutMs = 10_000 } = {}) {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), 'biged-bench-redis-'));
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
      '--loglevel',
      'warning',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let spawnError;
  child.once('error', (error) => {
    spawnError = error;
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (spawnError || child.exitCode !== null) {
      await stop();
      throw new Error(`redis-server did not start: ${spawnError?.message ?? output.trim()}`);
    }
    if (await ping(port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not answer PING within ${startTimeoutMs} ms: ${output.trim()}`);
    }
    await sleep(50);
  }
  return { host: '127.0.0.1', port, stop };
}

/** True when a Redis server on 127.0.0.1:`port` answers an inline PING with +PONG. */
function ping(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const finish = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG'));
    });
  });
}
