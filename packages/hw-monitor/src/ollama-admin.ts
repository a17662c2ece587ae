import { OllamaAdminError } from './errors';

/** A model Ollama has loaded, from `/api/ps`. */
export interface OllamaLoadedModel {
  name: string;
  /** Whole size, MiB. */
  sizeMb: number | null;
  /** Part in VRAM, MiB (0 = on the CPU); null when Ollama did not say. */
  vramMb: number | null;
  /** When Ollama unloads it (as sent). */
  expiresAt: string | null;
}

/** Options for `createOllamaAdmin`. */
export interface CreateOllamaAdminOptions {
  /** Ollama's base URL (`[models] ollama_host`), e.g. `http://localhost:11434`. */
  host: string;
  /** The fetch used. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Limit for `/api/ps`, ms (unloads get at least 30 s). Default 3000. */
  timeoutMs?: number;
  /** Limit for loading a model (a cold 8B load from disk takes seconds to minutes), ms. Default 300000. */
  loadTimeoutMs?: number;
}

/** Options for `OllamaAdmin.keepAlive`. */
export interface KeepAliveOptions {
  /** How long Ollama keeps the model after this call (`'30m'`, seconds). */
  keepAlive: string | number;
  /** Load it on the CPU only (Ollama option `num_gpu: 0`). Default false (Ollama decides). */
  cpuOnly?: boolean;
}

/** The few Ollama calls the hardware monitor makes, over plain HTTP. */
export interface OllamaAdmin {
  /** The base URL, without a trailing slash. */
  host: string;
  /** `GET /api/ps`: the models loaded now. */
  ps(): Promise<OllamaLoadedModel[]>;
  /** `POST /api/generate` with an empty prompt: loads the model, or keeps it loaded `keepAlive` longer. */
  keepAlive(model: string, options: KeepAliveOptions): Promise<void>;
  /** `POST /api/generate` with `keep_alive: 0`: unloads the model once no request uses it. */
  unload(model: string): Promise<void>;
}

const MIB = 1024 * 1024;
const MAX_BODY_CHARS = 4 * 1024 * 1024;

const mib = (bytes: unknown) =>
  typeof bytes === 'number' && Number.isFinite(bytes) && bytes >= 0 ? Math.round(bytes / MIB) : null;

/**
 * Creates the Ollama client the monitor uses for upkeep. Every method rejects with `OllamaAdminError`
 * (`OLLAMA_UNREACHABLE`, `OLLAMA_HTTP_ERROR`, `OLLAMA_BAD_RESPONSE`) and nothing else.
 */
export function createOllamaAdmin(options: CreateOllamaAdminOptions): OllamaAdmin {
  const host = options.host.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 3000;
  const loadTimeoutMs = options.loadTimeoutMs ?? 300_000;

  async function call(apiPath: string, init: RequestInit, limitMs: number): Promise<unknown> {
    let response: Response;
    let text: string;
    try {
      response = await fetchImpl(`${host}${apiPath}`, { ...init, signal: AbortSignal.timeout(limitMs) });
      text = await response.text();
    } catch (error) {
      const cause = error as {
        name?: string;
        code?: string;
        cause?: { code?: string; message?: string };
        message?: string;
      };
      const why =
        cause?.name === 'TimeoutError'
          ? `no answer within ${limitMs} ms`
          : (cause?.cause?.code ?? cause?.code ?? cause?.cause?.message ?? cause?.message ?? String(error));
      throw new OllamaAdminError({
        code: 'OLLAMA_UNREACHABLE',
        message: `Ollama at ${host} is unreachable (${apiPath}: ${why})`,
        host,
        path: apiPath,
        cause: error,
      });
    }
    let body: unknown;
    const tooLarge = text.length > MAX_BODY_CHARS;
    try {
      body = tooLarge ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const detail =
        typeof (body as { error?: unknown } | undefined)?.error === 'string'
          ? (body as { error: string }).error
          : text.slice(0, 200);
      throw new OllamaAdminError({
        code: 'OLLAMA_HTTP_ERROR',
        message: `Ollama at ${host} answered ${apiPath} with HTTP ${response.status}${detail ? `: ${detail}` : ''}`,
        host,
        path: apiPath,
        statusCode: response.status,
      });
    }
    if (body === undefined) {
      throw new OllamaAdminError({
        code: 'OLLAMA_BAD_RESPONSE',
        message: tooLarge
          ? `Ollama at ${host} sent more than ${MAX_BODY_CHARS} characters for ${apiPath}`
          : `Ollama at ${host} sent something that is not JSON for ${apiPath}: ${JSON.stringify(text.slice(0, 80))}`,
        host,
        path: apiPath,
      });
    }
    return body;
  }

  const generate = async (model: string, keepAlive: string | number, cpuOnly: boolean, limitMs: number) => {
    const body = await call(
      '/api/generate',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model,
          prompt: '',
          stream: false,
          keep_alive: keepAlive,
          ...(cpuOnly ? { options: { num_gpu: 0 } } : {}),
        }),
      },
      limitMs,
    );
    if (typeof body !== 'object' || body === null || (body as { done?: unknown }).done !== true) {
      throw new OllamaAdminError({
        code: 'OLLAMA_BAD_RESPONSE',
        message: `Ollama at ${host} answered /api/generate for ${model} without "done": true`,
        host,
        path: '/api/generate',
      });
    }
  };

  return {
    host,
    async ps() {
      const body = await call('/api/ps', { method: 'GET' }, timeoutMs);
      const models = (body as { models?: unknown } | null)?.models;
      if (!Array.isArray(models)) {
        throw new OllamaAdminError({
          code: 'OLLAMA_BAD_RESPONSE',
          message: `Ollama at ${host} answered /api/ps without a "models" list`,
          host,
          path: '/api/ps',
        });
      }
      return models.flatMap((entry): OllamaLoadedModel[] => {
        const model = entry as Record<string, unknown> | null;
        const name =
          typeof model?.name === 'string' ? model.name : typeof model?.model === 'string' ? model.model : '';
        if (name === '') return [];
        return [
          {
            name,
            sizeMb: mib(model?.size),
            vramMb: mib(model?.size_vram),
            expiresAt: typeof model?.expires_at === 'string' ? model.expires_at : null,
          },
        ];
      });
    },
    keepAlive: (model, { keepAlive, cpuOnly = false }) => generate(model, keepAlive, cpuOnly, loadTimeoutMs),
    unload: (model) => generate(model, 0, false, Math.max(timeoutMs, 30_000)),
  };
}
