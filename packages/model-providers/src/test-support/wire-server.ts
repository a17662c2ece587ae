import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the wire-format server saw. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

/** A local HTTP server on 127.0.0.1 that answers in a provider's wire format, for adapter tests. */
export interface WireServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** TCP connections accepted so far (the offline tests expect 0). */
  connections(): number;
  /** Every request, oldest first. */
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** How a test server answers one request; return nothing to fall through to a 404. */
export type WireHandler = (request: SeenRequest, response: ServerResponse) => Promise<boolean> | boolean;

export async function startWireServer(handler: WireHandler): Promise<WireServer> {
  const requests: SeenRequest[] = [];
  let connections = 0;
  const server = createServer(async (incoming, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // kept as text
    }
    const seen: SeenRequest = {
      method: incoming.method ?? 'GET',
      path: incoming.url ?? '/',
      headers: incoming.headers,
      body,
    };
    requests.push(seen);
    try {
      if (!(await handler(seen, response))) {
        response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      }
    } catch (error) {
      if (!response.headersSent) response.writeHead(599).end(String(error));
      else response.destroy();
    }
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A fixture file's text (`__fixtures__/<name>`). */
export function fixture(name: string): string {
  return readFileSync(new URL(`../../__fixtures__/${name}`, import.meta.url), 'utf8');
}

/** Sends JSON. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response
    .writeHead(status, { 'content-type': 'application/json', ...headers })
    .end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** Sends a server-sent-events body, one write per event, as a real API flushes them. */
export async function sendEvents(
  response: ServerResponse,
  events: string[],
  contentType = 'text/event-stream',
) {
  response.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache' });
  for (const event of events) {
    response.write(event);
    await new Promise((resolve) => setImmediate(resolve));
  }
  response.end();
}

/** Splits an SSE fixture into events (blank-line separated), keeping each event's trailing blank line. */
export function sseEvents(text: string): string[] {
  return text
    .split(/\n\n/)
    .filter((event) => event.trim().length > 0)
    .map((event) => `${event}\n\n`);
}

/** Holds a response past the client's timeout; resolves when the client gives up (socket closed). */
export function hold(response: ServerResponse, ms = 10_000): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      response.end();
      resolve(true);
    }, ms);
    response.on('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** Serves `scenario` once per key and then `fallback`: `once('429', ...)`. */
export function createOnce() {
  const used = new Set<string>();
  return (key: string) => {
    if (used.has(key)) return false;
    used.add(key);
    return true;
  };
}
