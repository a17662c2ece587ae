import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TempHome } from '@biged/core/test';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initHome, runCli } from '../test-utils';
import type { detectReportToJson } from './detect-cli';
import { DETECT_NETWORK_TOOLS, detectBridge, detectCli } from './detect-cli-probe';

type DetectJson = ReturnType<typeof detectReportToJson>;

let dir: string;
let bin: string;
const servers: Server[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'biged-detect-'));
  bin = path.join(dir, 'bin');
  mkdirSync(bin);
});
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  rmSync(dir, { recursive: true, force: true });
});

function executable(name: string, body = 'exit 0', mode = 0o755): string {
  const file = path.join(bin, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, mode);
  return file;
}

/** A server on 127.0.0.1; `handler` answers every request. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const ollamaTags = (models: string[]) =>
  serve((request, response) => {
    if (request.url !== '/api/tags') {
      response.writeHead(404).end();
      return;
    }
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ models: models.map((name) => ({ name, size: 1 })) }));
  });

describe('biged detect-cli', () => {
  let home: TempHome | undefined;
  afterEach(() => {
    home?.cleanup();
    home = undefined;
  });

  it('reports the shell and its version, tools found on a controlled PATH, and Ollama from fleet.toml', async () => {
    const shell = executable('fakesh', 'echo "fakesh, version 9.1.0"');
    executable('curl');
    executable('ssh');
    executable('nvidia-smi', `touch "${dir}/nvidia-smi-ran"`);
    executable('wget', 'exit 0', 0o644); // not executable: not found
    const host = await ollamaTags(['qwen3:8b', 'llama3.2:3b']);
    home = await initHome(`[models]\nollama_host = "${host}"\n`);

    const result = await runCli(['detect-cli', '--json', '--home', home.home], {
      env: { PATH: bin, SHELL: shell },
    });
    expect(result.code).toBe(0);
    const report = result.json<DetectJson>();
    expect(report.shell).toEqual({ path: shell, name: 'fakesh', version: 'fakesh, version 9.1.0' });
    expect(report.network_tools).toEqual({
      ...Object.fromEntries(DETECT_NETWORK_TOOLS.map((tool) => [tool, null])),
      curl: path.join(bin, 'curl'),
      ssh: path.join(bin, 'ssh'),
    });
    expect(report.gpu_tools).toEqual({ 'nvidia-smi': path.join(bin, 'nvidia-smi'), 'rocm-smi': null });
    expect(existsSync(path.join(dir, 'nvidia-smi-ran'))).toBe(false); // found, never run
    expect(report.ollama).toEqual({
      host,
      reachable: true,
      models: ['qwen3:8b', 'llama3.2:3b'],
      error: null,
    });
    expect(report.platform.os).toBe(process.platform);
    expect(['linux', 'wsl', 'macos', 'windows', 'other']).toContain(report.bridge);
    expect(report.recommendation).toContain('NVIDIA GPU tools found');
    expect(report.recommendation).toContain('Ollama ready with 2 model(s)');

    const text = await runCli(['detect-cli', '--home', home.home], { env: { PATH: bin, SHELL: shell } });
    expect(text.stdout).toContain(`shell          ${shell} (fakesh, version 9.1.0)\n`);
    expect(text.stdout).toContain(
      'network tools  curl, ssh  (not found: wget, scp, rsync, nc, ncat, socat, git)\n',
    );
    expect(text.stdout).toContain(`ollama         ${host} reachable, 2 model(s): qwen3:8b, llama3.2:3b\n`);
    expect(text.stdout).toMatch(/\nrecommendation: .+\n$/);
  });

  it('warns about a broken fleet.toml and still reports (exit 0)', async () => {
    home = await initHome('[models]\nollama_host = "not a url"\n');
    const result = await runCli(['detect-cli', '--json', '--home', home.home], { env: { PATH: bin } });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /^warning: fleet\.toml not used \(.*ollama_host.*\); probing the default ollama_host\n$/s,
    );
    expect(result.json<DetectJson>().ollama.host).toBe('http://localhost:11434');
  });

  it('works without a fleet home and with nothing on PATH', async () => {
    const result = await runCli(['detect-cli', '--json', '--home', path.join(dir, 'no-home')], {
      env: { PATH: bin },
    });
    expect(result.code).toBe(0);
    const report = result.json<DetectJson>();
    expect(report.shell).toEqual({ path: null, name: null, version: null });
    expect(Object.values(report.network_tools).every((value) => value === null)).toBe(true);
    expect(report.recommendation).toContain('no GPU tools');
    expect(report.recommendation).toContain('install curl or wget');
  });
});

describe('detectCli', () => {
  it('detects WSL from /proc/version, and the native bridges', () => {
    const wsl = 'Linux version 5.15.153.1-microsoft-standard-WSL2 (root@65c757a075e2) (gcc) #1 SMP';
    expect(detectBridge('linux', wsl)).toBe('wsl');
    expect(detectBridge('linux', 'Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org)')).toBe(
      'linux',
    );
    expect(detectBridge('linux', undefined)).toBe('linux');
    expect(detectBridge('darwin', undefined)).toBe('macos');
    expect(detectBridge('win32', undefined)).toBe('windows');
    expect(detectBridge('freebsd', undefined)).toBe('other');
  });

  it('reads ComSpec and PATHEXT on Windows without running the shell', async () => {
    writeFileSync(path.join(bin, 'curl.EXE'), '');
    writeFileSync(path.join(bin, 'nvidia-smi.exe'), '');
    const report = await detectCli({
      env: { Path: bin, PATHEXT: '.COM;.EXE', ComSpec: 'C:\\Windows\\system32\\cmd.exe' },
      platform: 'win32',
      procVersion: undefined,
      ollamaHost: await ollamaTags([]),
    });
    expect(report.bridge).toBe('windows');
    expect(report.shell).toEqual({ path: 'C:\\Windows\\system32\\cmd.exe', name: 'cmd', version: null });
    expect(report.networkTools.curl).toBe(path.join(bin, 'curl.EXE'));
    // nvidia-smi.exe: PATHEXT lookup is per extension as listed; the file system here is case-sensitive.
    expect(report.gpuTools['nvidia-smi']).toBeNull();
    expect(report.ollama.reachable).toBe(true);
    expect(report.recommendation).toContain('Windows native');
    expect(report.recommendation).toContain('has no models');
  });

  it('reports Ollama unreachable: refused, timed out, an HTTP error or a non-Ollama answer', async () => {
    const closed = await serve(() => {});
    const port = new URL(closed).port;
    const server = servers.pop() as Server;
    await new Promise((resolve) => server.close(resolve));
    const probe = (ollamaHost: string) =>
      detectCli({ env: { PATH: bin }, ollamaHost, procVersion: undefined, ollamaTimeoutMs: 300 });

    const refused = await probe(`http://127.0.0.1:${port}`);
    expect(refused.ollama.reachable).toBe(false);
    expect(refused.ollama.error).toContain('ECONNREFUSED');
    expect(refused.recommendation).toContain(`Ollama not reachable at http://127.0.0.1:${port}`);

    const silent = await serve(() => {}); // accepts, never answers
    expect((await probe(silent)).ollama.error).toBe('no answer within 300 ms');

    const failing = await serve((_request, response) => response.writeHead(500).end('boom'));
    expect((await probe(failing)).ollama.error).toBe('HTTP 500 from /api/tags');

    const html = await serve((_request, response) =>
      response.writeHead(200).end('<html>router login</html>'),
    );
    expect((await probe(`${html}/`)).ollama).toEqual({
      host: html,
      reachable: false,
      models: [],
      error: '/api/tags did not answer like Ollama',
    });
  });
});
