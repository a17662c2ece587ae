import { execFile, execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { parseFleetConfig } from '@biged/core';
import { createTempHome, type TempHome } from '@biged/core/test';
import { createQueue, createUsageLedger } from '@biged/queue';
import { afterEach, describe, expect, it } from 'vitest';
import { startOllamaStub } from '../test-support/ollama-stub';
import { createUiChat } from './ui';

const exec = promisify(execFile);
const bin = new URL('../../dist/bin.cjs', import.meta.url).pathname;

/** Why no pseudo terminal can be had here, or undefined when tmux works. */
function noPtyReason(): string | undefined {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'pipe' });
    return undefined;
  } catch {
    return 'tmux is not installed: the pseudo-terminal test of `biged ui` needs it (apt-get install tmux)';
  }
}
const skipReason = noPtyReason();
if (skipReason) console.warn(`skipping the biged ui pty test: ${skipReason}`);

/** A tmux server of its own (its own socket), so the test never touches the user's sessions. */
function tmuxServer() {
  const socket = `biged-ui-test-${process.pid}-${Date.now()}`;
  const tmux = (...args: string[]) =>
    execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return {
    tmux,
    screen: () => tmux('capture-pane', '-p', '-t', 'ui'),
    alive: () => {
      try {
        tmux('has-session', '-t', 'ui');
        return true;
      } catch {
        return false;
      }
    },
    kill: () => {
      try {
        tmux('kill-server');
      } catch {
        // Already gone with its last session.
      }
    },
  };
}

async function waitForScreen(screen: () => string, text: string | RegExp, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    last = screen();
    if (typeof text === 'string' ? last.includes(text) : text.test(last)) return last;
    await sleep(50);
  }
  throw new Error(`the screen never showed ${String(text)}; it shows:\n${last}`);
}

let home: TempHome | undefined;
let server: ReturnType<typeof tmuxServer> | undefined;
afterEach(() => {
  server?.kill();
  server = undefined;
  home?.cleanup();
  home = undefined;
});

describe('createUiChat (the Fleet Comm chat)', () => {
  it('asks the local model through the fleet router and books the call as manual_chat', async () => {
    home = createTempHome();
    const stub = await startOllamaStub({ content: 'hello from the local model' });
    try {
      const config = parseFleetConfig({
        models: { ollama_host: stub.url, local: 'qwen3:8b' },
        router: { max_retries: 0 },
      }).config;
      const chat = createUiChat({ home: home.home, config, env: {} });
      expect(stub.connections()).toBe(0); // nothing is built before the first message
      expect(await chat.chat('hi there')).toBe('hello from the local model');
      chat.close();
      expect(stub.requests[0]?.body.model).toBe('qwen3:8b');
      expect(stub.requests[0]?.body.messages?.at(-1)).toEqual({ role: 'user', content: 'hi there' });
      const queue = createQueue({ file: home.db });
      try {
        const rows = createUsageLedger({ queue }).usageSummary({ period: 'day', groupBy: 'skill' }).rows;
        expect(rows.map((row) => [row.key, row.calls])).toEqual([['manual_chat', 1]]);
      } finally {
        queue.close();
      }
    } finally {
      await stub.close();
    }
  });

  it('rejects with the router error when the local model is unreachable', async () => {
    home = createTempHome();
    const stub = await startOllamaStub({ content: '', status: 500 });
    try {
      const config = parseFleetConfig({
        models: { ollama_host: stub.url },
        router: { max_retries: 0 },
      }).config;
      const chat = createUiChat({ home: home.home, config, env: {} });
      await expect(chat.chat('hi')).rejects.toThrow();
      chat.close();
    } finally {
      await stub.close();
    }
  });
});

describe('biged ui', () => {
  it('refuses to start without a terminal', async () => {
    home = createTempHome();
    await exec(process.execPath, [bin, 'init', '--home', home.home]);
    const failure = await exec(process.execPath, [bin, 'ui', '--home', home.home]).catch((error) => error);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('biged ui needs an interactive terminal');
  });

  it.skipIf(skipReason !== undefined)(
    'runs in a real 80x24 pseudo terminal (tmux) on a fleet DB with data: tabs, keys, a HITL answer, q',
    async () => {
      home = createTempHome();
      await exec(process.execPath, [bin, 'init', '--home', home.home]);
      const queue = createQueue({ file: home.db });
      try {
        queue.registerAgent({ name: 'coder_1', role: 'coder', pid: process.pid, status: 'IDLE' });
        queue.registerAgent({ name: 'analyst_1', role: 'analyst', pid: process.pid, status: 'IDLE' });
        const asking = queue.enqueue({ skill: 'code_write', payload: { file: 'a.ts' } });
        queue.claim({ agent: 'coder_1' });
        queue.parkForHuman(asking.id, 'coder_1', { question: 'Overwrite a.ts with the new version?' });
        queue.submitMany([
          { ref: 'a', skill: 'fetch_docs', payload: {} },
          { ref: 'b', skill: 'summarize', payload: {}, dependsOn: ['a'] },
        ]);
      } finally {
        queue.close();
      }
      server = tmuxServer();
      // CI=true on purpose: Ink would draw only the last frame in CI; `biged ui` on a terminal must not.
      server.tmux(
        'new-session',
        '-d',
        '-s',
        'ui',
        '-x',
        '80',
        '-y',
        '24',
        `env CI=true TERM=xterm-256color ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} ui --home ${JSON.stringify(home.home)} --refresh 200`,
      );
      const { screen, tmux } = server;
      let text = await waitForScreen(screen, 'analyst_1');
      expect(text).toContain('1 Fleet │ 2 Tasks │ 3 Fleet Comm │ 4 Usage │ 5 Thermal │ 6 Modules');
      expect(text.split('\n').every((line) => line.length <= 80)).toBe(true);

      tmux('send-keys', '-t', 'ui', '2');
      text = await waitForScreen(screen, 'Newest tasks (3)');
      expect(text).toMatch(/summarize\s+BLOCKED/);
      tmux('send-keys', '-t', 'ui', 'Enter');
      text = await waitForScreen(screen, 'Graph of its run');
      expect(text).toContain('needs');
      expect(text).toMatch(/└─ #\d+ fetch_docs PENDING/);
      tmux('send-keys', '-t', 'ui', 'Escape');
      await waitForScreen(screen, 'Newest tasks (3)');

      tmux('send-keys', '-t', 'ui', 'Tab');
      text = await waitForScreen(screen, 'Agent requests (1 open)');
      expect(text).toContain('coder_1: Overwrite a.ts with the new version?');
      tmux('send-keys', '-t', 'ui', 'a');
      await waitForScreen(screen, 'approve (note):');
      tmux('send-keys', '-t', 'ui', '-l', 'yes, go');
      tmux('send-keys', '-t', 'ui', 'Enter');
      text = await waitForScreen(screen, /approved #\d+: task #\d+ is PENDING/);

      const check = createQueue({ file: home.db });
      try {
        expect(check.listHitl({ status: 'approved' })[0]).toMatchObject({
          response: 'yes, go',
          responder: 'ui',
        });
      } finally {
        check.close();
      }

      tmux('send-keys', '-t', 'ui', 'q');
      const deadline = Date.now() + 10_000;
      while (server.alive() && Date.now() < deadline) await sleep(50);
      expect(server.alive()).toBe(false);
    },
    60_000,
  );

  it.skipIf(skipReason !== undefined)(
    'runs against a running fleet: live agents, a task dispatched from another terminal shows DONE',
    async () => {
      home = createTempHome({
        fleetToml: '[fleet]\nhw_monitor = false\n[workers]\nroles = ["researcher"]\n',
      });
      const at = ['--home', home.home];
      await exec(process.execPath, [bin, 'init', ...at]);
      await exec(process.execPath, [bin, 'up', '--detach', '--no-hw', ...at], { timeout: 60_000 });
      try {
        server = tmuxServer();
        server.tmux(
          'new-session',
          '-d',
          '-s',
          'ui',
          '-x',
          '80',
          '-y',
          '24',
          `env TERM=xterm-256color ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} ui --home ${JSON.stringify(home.home)} --refresh 200`,
        );
        const { screen, tmux } = server;
        // The supervisor's worker, registered and heart-beating.
        let text = await waitForScreen(screen, /researcher\s+researcher\s+(IDLE|BUSY)/);
        // A task dispatched by another process while the launcher runs: the fleet runs it, the Tasks tab sees it.
        const { stdout } = await exec(
          process.execPath,
          [bin, 'dispatch', 'noop', '{"echo": "from tmux"}', '--wait', '--timeout', '30', '--json', ...at],
          { timeout: 40_000 },
        );
        const id = (JSON.parse(stdout) as { id: number }).id;
        tmux('send-keys', '-t', 'ui', '2');
        text = await waitForScreen(screen, new RegExp(`#?${id}\\s+noop\\s+DONE`));
        expect(text).toContain('Newest tasks (1)');
        tmux('send-keys', '-t', 'ui', 'q');
        const deadline = Date.now() + 10_000;
        while (server.alive() && Date.now() < deadline) await sleep(50);
        expect(server.alive()).toBe(false);
      } finally {
        await exec(process.execPath, [bin, 'down', ...at], { timeout: 60_000 });
      }
    },
    120_000,
  );
});
