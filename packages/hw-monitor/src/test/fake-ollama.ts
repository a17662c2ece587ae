import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the fake Ollama saw. */
export interface FakeOllamaRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, the raw text when it was not JSON, or undefined when empty. */
  body: unknown;
}

/** A model the fake has loaded. */
export interface FakeLoadedModel {
  name: string;
  /** Size in MiB. Default 1000. */
  sizeMb?: number;
  /** MiB in VRAM. Default: all of it, or 0 when loaded with `num_gpu: 0`. */
  vramMb?: number;
}

/** Options for `startFakeOllama`. */
export interface FakeOllamaOptions {
  /** Models loaded at start. */
  loaded?: FakeLoadedModel[];
  /** Models that exist ("pulled"); others answer 404 as Ollama does. Default: any model exists. */
  pulled?: string[];
  /** Size in MiB by model name, for models it loads. Default 1000 each. */
  sizes?: Record<string, number>;
}

/** A fixed answer that replaces the normal one for a path. */
export interface FakeOllamaOverride {
  status: number;
  /** Sent as is when a string, as JSON otherwise. */
  body: unknown;
}

/**
 * A local HTTP server on 127.0.0.1 that answers as Ollama does for the calls the hardware monitor makes:
 * `GET /api/ps`, `POST /api/generate` with an empty prompt (loads the model, or with `keep_alive: 0`
 * unloads it), and `GET /` (`Ollama is running`).
 */
export interface FakeOllama {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Every request, oldest first. */
  requests: FakeOllamaRequest[];
  /** Names of the loaded models, in load order. */
  loaded(): string[];
  /** Replaces the loaded models. */
  setLoaded(models: FakeLoadedModel[]): void;
  /** Answers `path` with a fixed response until cleared with `undefined`. */
  override(path: string, answer: FakeOllamaOverride | undefined): void;
  close(): Promise<void>;
}

const send = (response: ServerResponse, status: number, body: unknown) => {
  response
    .writeHead(status, {
      'content-type': typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8',
    })
    .end(typeof body === 'string' ? body : JSON.stringify(body));
};

/** Ollama's `keep_alive`: 0 / "0" / "0s" / "0m" unloads; a negative value keeps forever. */
const isUnload = (keepAlive: unknown) =>
  keepAlive === 0 || (typeof keepAlive === 'string' && /^0+(\.0+)?[smh]?$/.test(keepAlive.trim()));

const normalize = (name: string) => (name.includes(':') ? name : `${name}:latest`);

/** Starts the fake on a free port. */
export async function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  const requests: FakeOllamaRequest[] = [];
  const overrides = new Map<string, FakeOllamaOverride>();
  let loaded: Required<FakeLoadedModel>[] = [];
  const setLoaded = (models: FakeLoadedModel[]) => {
    loaded = models.map((model) => {
      const sizeMb = model.sizeMb ?? options.sizes?.[model.name] ?? 1000;
      return { name: normalize(model.name), sizeMb, vramMb: model.vramMb ?? sizeMb };
    });
  };
  setLoaded(options.loaded ?? []);
  const pulled = options.pulled?.map(normalize);

  const server = createServer(async (incoming, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of incoming) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = text === '' ? undefined : text;
    try {
      if (text !== '') body = JSON.parse(text);
    } catch {
      // kept as text
    }
    const path = (incoming.url ?? '/').split('?')[0] ?? '/';
    requests.push({ method: incoming.method ?? 'GET', path, headers: incoming.headers, body });

    const override = overrides.get(path);
    if (override) return send(response, override.status, override.body);

    if (incoming.method === 'GET' && path === '/') return send(response, 200, 'Ollama is running');
    if (incoming.method === 'GET' && path === '/api/ps') {
      return send(response, 200, {
        models: loaded.map((model) => ({
          name: model.name,
          model: model.name,
          size: model.sizeMb * 1024 * 1024,
          digest: 'sha256-fake',
          details: { parent_model: '', format: 'gguf', family: model.name.split(':')[0], families: [] },
          expires_at: new Date(Date.now() + 5 * 60_000).toISOString(),
          size_vram: model.vramMb * 1024 * 1024,
          context_length: 4096,
        })),
      });
    }
    if (incoming.method === 'POST' && path === '/api/generate') {
      const request = (typeof body === 'object' && body !== null ? body : {}) as {
        model?: unknown;
        keep_alive?: unknown;
        options?: { num_gpu?: unknown };
      };
      if (typeof request.model !== 'string' || request.model === '') {
        return send(response, 400, { error: 'model is required' });
      }
      const name = normalize(request.model);
      const createdAt = new Date().toISOString();
      if (isUnload(request.keep_alive)) {
        loaded = loaded.filter((model) => model.name !== name);
        return send(response, 200, {
          model: request.model,
          created_at: createdAt,
          response: '',
          done: true,
          done_reason: 'unload',
        });
      }
      if (pulled && !pulled.includes(name)) {
        return send(response, 404, { error: `model "${request.model}" not found, try pulling it first` });
      }
      const sizeMb = options.sizes?.[request.model] ?? options.sizes?.[name] ?? 1000;
      const vramMb = request.options?.num_gpu === 0 ? 0 : sizeMb;
      loaded = [...loaded.filter((model) => model.name !== name), { name, sizeMb, vramMb }];
      return send(response, 200, {
        model: request.model,
        created_at: createdAt,
        response: '',
        done: true,
        done_reason: 'load',
      });
    }
    return send(response, 404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    loaded: () => loaded.map((model) => model.name),
    setLoaded,
    override: (path, answer) => {
      if (answer === undefined) overrides.delete(path);
      else overrides.set(path, answer);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
