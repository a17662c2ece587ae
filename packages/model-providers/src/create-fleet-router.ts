import {
  createRouter,
  createSecretsStore,
  type FleetConfig,
  type FleetPaths,
  type ModelProviderV1,
  type Router,
  type RouterEventListener,
  resolveOllamaHost,
  type SecretsStore,
  type UsageSink,
} from '@biged/core';
import { createAnthropicProvider } from './anthropic/anthropic-provider';
import { createGeminiProvider } from './gemini/gemini-provider';
import { createOllamaProvider } from './ollama/ollama-provider';

/** Options for `createFleetRouter`. */
export interface CreateFleetRouterOptions {
  /** The fleet's validated fleet.toml: `[models]`, `[router]`, `[fleet]` modes. */
  config: FleetConfig;
  /** The fleet home's paths (the embedded backend's state file). */
  paths: Pick<FleetPaths, 'embeddedOllama'>;
  /**
   * Where Claude and Gemini keys are looked up (environment first, then the file), at their first call
   * only. Default: `createSecretsStore({ airGap: [fleet] air_gap_mode })`, so air-gap never reads ~/.secrets.
   */
  secrets?: SecretsStore;
  /** Books usage and enforces budgets (`createLedgerUsageSink` from `@biged/queue`). Default: none. */
  usage?: UsageSink;
  /** Hears `model:call`, `model:retry`, `model:fallback`, `usage:failed`. Default: none. */
  onEvent?: RouterEventListener;
  /** The Ollama API URL for the `local` provider. Default: `resolveOllamaHost` (env, embedded backend, config). */
  ollamaHost?: string;
  /** Environment for `resolveOllamaHost`. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** The fetch every provider uses. Default: the global `fetch`. */
  fetch?: typeof fetch;
  /**
   * Ollama's `options.num_gpu` for the `local` provider, asked at each call (`createOllamaProvider`'s
   * `numGpu`): the fleet's workers return `0` while the hardware monitor runs a CPU tier (eco mode, the CPU
   * fallback, training), so local calls stay off the GPU. Default: none (Ollama decides).
   */
  localNumGpu?: () => number | undefined;
}

/**
 * The fleet's model router, built from fleet.toml: providers `local` (Ollama's API, a real Ollama or the
 * embedded backend), `claude` and `gemini`, with `[models]` defaults (`local`, `claude_model`,
 * `gemini_model`, `embed_model` for local embeddings), `[router]` pacing, retries and fallback chains, and
 * the usage sink. External providers read their key at their first call, and offline or air-gap mode
 * refuses them before that, so building the router never touches the network or the secrets file.
 *
 * @example
 * const router = createFleetRouter({ config, paths, usage: createLedgerUsageSink({ ledger, config }) });
 * const { text } = await router.call({ prompt: 'Say hi', skill: 'summarize' });
 */
export function createFleetRouter(options: CreateFleetRouterOptions): Router {
  const { config } = options;
  const models = config.models;
  const secrets = options.secrets ?? createSecretsStore({ airGap: config.fleet.air_gap_mode });
  const fetchOption = options.fetch ? { fetch: options.fetch } : {};
  const host =
    options.ollamaHost ??
    resolveOllamaHost({ config, paths: options.paths, ...(options.env ? { env: options.env } : {}) });
  const providers: ModelProviderV1[] = [
    createOllamaProvider({
      providerId: 'local',
      host,
      ...(models.keep_alive_mins > 0 ? { keepAlive: `${models.keep_alive_mins}m` } : {}),
      ...(options.localNumGpu ? { numGpu: options.localNumGpu } : {}),
      ...fetchOption,
    }),
    createAnthropicProvider({
      providerId: 'claude',
      secrets,
      ...(models.claude_base_url ? { baseURL: models.claude_base_url } : {}),
      ...fetchOption,
    }),
    createGeminiProvider({
      providerId: 'gemini',
      secrets,
      ...(models.gemini_base_url ? { baseUrl: models.gemini_base_url } : {}),
      ...fetchOption,
    }),
  ];
  return createRouter({
    providers,
    config,
    defaultProvider: 'local',
    models: { local: models.local, claude: models.claude_model, gemini: models.gemini_model },
    embeddingModels: { local: models.embed_model, gemini: 'gemini-embedding-001' },
    ...(options.usage ? { usage: options.usage } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  });
}
