import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real HTTP server on 127.0.0.1 for the network skills' tests (imported by tests only): it records every
 * request and answers with the handler the test gives.
 */

/** A request the server received. */
export interface RecordedRequest {
  method: string;
  /** Path and query, as sent. */
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A running test server. */
export interface TestServer {
  /** `http://127.0.0.1:<port>`. */
  baseUrl: string;
  /** Requests received, oldest first. */
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Answers a request: set status, headers and body on `response`. */
export type TestHandler = (request: RecordedRequest, response: ServerResponse) => void;

/** Starts a server on an ephemeral port of 127.0.0.1. */
export async function startTestServer(handler: TestHandler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const request: RecordedRequest = {
        method: incoming.method ?? 'GET',
        url: new URL(incoming.url ?? '/', 'http://127.0.0.1'),
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(request);
      handler(request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Sends `body` as JSON (or as given when it is a string) with `status`. */
export function sendJson(response: ServerResponse, body: unknown, status = 200): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}
