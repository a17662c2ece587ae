import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One `/api/chat` request the stub answered, its body parsed. */
export interface OllamaStubRequest {
  path: string;
  body: {
    model?: string;
    messages?: Array<{ role: string; content: string }>;
    format?: unknown;
    options?: { temperature?: number; num_predict?: number };
    stream?: boolean;
  };
}

/** Options for `startOllamaStub`. */
export interface OllamaStubOptions {
  /** What the model "says": the `message.content` of every answer (or one per request, from the body). */
  content: string | ((request: OllamaStubRequest) => string);
  /** Models the stub has; any other gets Ollama's 404 `model "<name>" not found`. Default: every model. */
  models?: readonly string[];
  /** Answer `/api/chat` with this HTTP status and Ollama's `{"error"}` body instead. */
  status?: number;
}

/** A server on 127.0.0.1 that answers `POST /api/chat` in Ollama's wire format with scripted content. */
export interface OllamaStub {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** The chat requests seen, oldest first. */
  requests: OllamaStubRequest[];
  /** TCP connections accepted (0 proves a command never reached the model). */
  connections(): number;
  close(): Promise<void>;
}

const send = (response: ServerResponse, status: number, body: unknown) =>
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));

/**
 * Starts the stub. Answers are Ollama's non-streaming `/api/chat` shape (`model`, `created_at`, `message`,
 * `done_reason`, `done`, durations and token counts), as the official client reads them; a streaming
 * request gets the same answer as one NDJSON chunk plus the final one.
 */
export async function startOllamaStub(options: OllamaStubOptions): Promise<OllamaStub> {
  const requests: OllamaStubRequest[] = [];
  let connections = 0;
  const server = createServer(async (incoming, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const path = incoming.url ?? '/';
    if (incoming.method !== 'POST' || path !== '/api/chat') {
      send(response, 404, { error: `${incoming.method} ${path} not found` });
      return;
    }
    let body: OllamaStubRequest['body'];
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OllamaStubRequest['body'];
    } catch {
      send(response, 400, { error: 'invalid JSON body' });
      return;
    }
    const request = { path, body };
    requests.push(request);
    const model = body.model ?? '';
    if (options.models && !options.models.some((name) => name === model || `${name}:latest` === model)) {
      send(response, 404, { error: `model "${model}" not found, try pulling it first` });
      return;
    }
    if (options.status !== undefined) {
      send(response, options.status, { error: 'llama runner process has terminated: signal: killed' });
      return;
    }
    const content = typeof options.content === 'function' ? options.content(request) : options.content;
    const final = {
      model,
      created_at: new Date().toISOString(),
      message: { role: 'assistant', content: body.stream === false ? content : '' },
      done_reason: 'stop',
      done: true,
      total_duration: 412_000_000,
      load_duration: 21_000_000,
      prompt_eval_count: 312,
      prompt_eval_duration: 180_000_000,
      eval_count: 24,
      eval_duration: 200_000_000,
    };
    if (body.stream === false) {
      send(response, 200, final);
      return;
    }
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
    response.write(
      `${JSON.stringify({ model, created_at: final.created_at, message: { role: 'assistant', content }, done: false })}\n`,
    );
    response.end(`${JSON.stringify(final)}\n`);
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, read, released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
