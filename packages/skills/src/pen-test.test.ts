import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { createTempHome, type TempHome } from '@biged/core/test';
import { runSkill } from '@biged/skill-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PenTestTargetError } from './errors/pen-test-target-error';
import { checkLoopbackTarget, createPenTest, isLoopbackAddress, penTest } from './pen-test';

/** A real HTTP server on 127.0.0.1 that records requests and, on close, destroys every socket it saw. */
interface TestServer {
  baseUrl: string;
  requests: IncomingMessage[];
  close(): Promise<void>;
}

async function startTestServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const sockets = new Set<Socket>();
  const server = createHttpServer((request, response) => {
    requests.push(request);
    handler(request, response);
  });
  // The scan opens and drops bare connections; close() must not wait for the server to notice each one.
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let home: TempHome;
const servers: TestServer[] = [];

beforeEach(() => {
  home = createTempHome();
});

afterEach(async () => {
  home.cleanup();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const portOf = (server: TestServer) => Number(new URL(server.baseUrl).port);

/** A port that was free a moment ago (listened on, then closed). */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A raw TCP service that is not HTTP: it says hello and closes. */
async function bannerServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.end('SSH-2.0-Test\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.200.3.4', true],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['0.0.0.0', false],
    ['::', false],
    ['::ffff:10.0.0.1', false],
    ['localhost', false],
  ])('%s -> %s', (address, expected) => {
    expect(isLoopbackAddress(address)).toBe(expected);
  });
});

describe('checkLoopbackTarget', () => {
  it('accepts loopback literals and names that resolve only to loopback (localhost, for real)', async () => {
    expect(await checkLoopbackTarget('127.0.0.1')).toEqual(['127.0.0.1']);
    expect(await checkLoopbackTarget('[::1]')).toEqual(['::1']);
    const local = await checkLoopbackTarget('localhost');
    expect(local.length).toBeGreaterThan(0);
    expect(local.every(isLoopbackAddress)).toBe(true);
  });

  it('refuses a name when any of its addresses is not loopback', async () => {
    const lookup = async () => [
      { address: '127.0.0.1', family: 4 },
      { address: '93.184.216.34', family: 4 },
    ];
    const error = await checkLoopbackTarget('rebind.example', { lookup }).catch((caught: unknown) => caught);
    expect(PenTestTargetError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      code: 'PEN_TEST_TARGET_REFUSED',
      host: 'rebind.example',
      addresses: ['127.0.0.1', '93.184.216.34'],
    });
    expect((error as Error).message).toContain('93.184.216.34');
  });

  it('refuses a name that does not resolve', async () => {
    const lookup = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND nowhere.invalid'), { code: 'ENOTFOUND' });
    };
    await expect(checkLoopbackTarget('nowhere.invalid', { lookup })).rejects.toMatchObject({
      code: 'PEN_TEST_TARGET_UNRESOLVED',
    });
  });
});

describe('pen_test', () => {
  it('scans real local ports and probes the HTTP ones: banners, missing headers, directory listing', async () => {
    const listing = await startTestServer((_, response) => {
      response.writeHead(200, {
        'content-type': 'text/html',
        server: 'SimpleHTTP/0.6 Python/3.12',
        'x-powered-by': 'Express',
      });
      response.end(
        '<html><head><title>Directory listing for /</title></head><body><ul><li>a.txt</li></ul></body></html>',
      );
    });
    const hardened = await startTestServer((_, response) => {
      response.writeHead(200, {
        'content-type': 'text/plain',
        'content-security-policy': "default-src 'none'",
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
      });
      response.end('ok');
    });
    servers.push(listing, hardened);
    const banner = await bannerServer();
    const closed = await closedPort();
    try {
      const ports = [portOf(listing), portOf(hardened), banner.port, closed];
      const { result } = await runSkill(
        penTest,
        { host: 'localhost', ports, timeout_ms: 2000 },
        { home: home.home, task: { agent: 'security' } },
      );
      expect(result.address).toBe('127.0.0.1');
      expect(result.open.sort()).toEqual([portOf(listing), portOf(hardened), banner.port].sort());
      const byPort = new Map(result.ports.map((port) => [port.port, port]));
      expect(byPort.get(closed)).toEqual({ port: closed, state: 'closed' });
      expect(byPort.get(portOf(listing))?.http).toMatchObject({
        status: 200,
        server: 'SimpleHTTP/0.6 Python/3.12',
        poweredBy: 'Express',
        directoryListing: true,
        missingHeaders: [
          'content-security-policy',
          'x-content-type-options',
          'x-frame-options',
          'referrer-policy',
        ],
      });
      expect(byPort.get(portOf(hardened))?.http).toMatchObject({
        status: 200,
        missingHeaders: [],
        directoryListing: false,
      });
      expect(byPort.get(banner.port)?.http?.status).toBeUndefined();
      expect(byPort.get(banner.port)?.http?.error).toBeTruthy();
      expect(result.findings).toContain(`port ${portOf(listing)}: directory listing at /`);
      expect(result.findings).toContain(
        `port ${portOf(listing)}: Server header reveals a version ("SimpleHTTP/0.6 Python/3.12")`,
      );
      expect(result.findings.some((finding) => finding.startsWith(`port ${portOf(hardened)}:`))).toBe(false);
      expect(result.file).toMatch(/knowledge\/security\/pen_tests\/localhost_pen_test_\d{8}_security\.md$/);
      const markdown = readFileSync(result.file, 'utf8');
      expect(markdown).toContain(`| ${portOf(listing)} | 200 | SimpleHTTP/0.6 Python/3.12 |`);
      expect(markdown).toContain('- Ports tried: 4 (3 open)');
    } finally {
      await banner.close();
    }
    expect(listing.requests[0]?.headers.host).toBe(`localhost:${portOf(listing)}`);
  });

  it('scans a port range, without HTTP probes when asked', async () => {
    const server = await startTestServer((_, response) => response.end('x'));
    servers.push(server);
    const port = portOf(server);
    const { result } = await runSkill(penTest, {
      host: '127.0.0.1',
      port_range: { from: port, to: port },
      http_probe: false,
    });
    expect(result.ports).toEqual([{ port, state: 'open' }]);
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    '8.8.8.8',
    '10.0.0.1',
    '0.0.0.0',
    '::ffff:192.168.1.1',
    '[2001:db8::1]',
  ])('refuses the non-loopback host %s before connecting anywhere', async (host) => {
    await expect(runSkill(penTest, { host, ports: [80] })).rejects.toMatchObject({
      code: 'PEN_TEST_TARGET_REFUSED',
    });
  });

  it('refuses a DNS name that resolves elsewhere, and connects nowhere', async () => {
    const server = await startTestServer((_, response) => response.end('x'));
    servers.push(server);
    let asked = '';
    const skill = createPenTest({
      lookup: async (host) => {
        asked = host;
        return [{ address: '203.0.113.7', family: 4 }];
      },
    });
    await expect(
      runSkill(skill, { host: 'intranet.example', ports: [portOf(server)] }),
    ).rejects.toMatchObject({
      code: 'PEN_TEST_TARGET_REFUSED',
      addresses: ['203.0.113.7'],
    });
    expect(asked).toBe('intranet.example');
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    ['more than 1024 ports', { host: '127.0.0.1', ports: Array.from({ length: 1025 }, (_, i) => i + 1) }],
    ['a range over 1024 ports', { host: '127.0.0.1', port_range: { from: 1, to: 1025 } }],
    ['a reversed range', { host: '127.0.0.1', port_range: { from: 10, to: 5 } }],
    ['ports and a range', { host: '127.0.0.1', ports: [1], port_range: { from: 1, to: 2 } }],
    ['port 0', { host: '127.0.0.1', ports: [0] }],
    ['port 65536', { host: '127.0.0.1', ports: [65536] }],
    ['a timeout over 10 s', { host: '127.0.0.1', timeout_ms: 10_001 }],
    ['an unknown key', { host: '127.0.0.1', target: 'x' }],
  ])('refuses %s (PAYLOAD_SCHEMA_MISMATCH)', async (_, payload) => {
    await expect(runSkill(penTest, payload as never)).rejects.toMatchObject({
      code: 'PAYLOAD_SCHEMA_MISMATCH',
    });
  });
});
