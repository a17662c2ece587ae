// The one price table of the usage ledger. Prices are USD per million tokens, copied from the providers'
// public price pages without network access here: CHECK EVERY ROW against
// https://www.anthropic.com/pricing and https://ai.google.dev/gemini-api/docs/pricing before a release.
// NOTE: packages/queue/README.md ("Prices") describes this table; keep both in sync.

/** Prices of one model in USD per million tokens. */
export interface ModelPrice {
  /** Uncached input (prompt) tokens. */
  inputPerMillion: number;
  /** Output (completion) tokens, thinking included. */
  outputPerMillion: number;
  /** Input tokens read from the provider's prompt cache. */
  cachedInputPerMillion: number;
}

/** Provider names that mean a model running on this machine (Ollama, node-llama-cpp): always free. */
export const LOCAL_PROVIDERS: readonly string[] = ['local', 'ollama', 'llama-cpp', 'local-model'];

const anthropic = (input: number, output: number, cached: number): ModelPrice => ({
  inputPerMillion: input,
  outputPerMillion: output,
  cachedInputPerMillion: cached,
});
const google = anthropic;

/**
 * Model-name prefix → price, per provider family. The longest matching prefix wins, so dated ids
 * (`claude-sonnet-4-5-20250929`) and `-latest` aliases resolve to their family.
 * Gemini Pro prices are the ≤200k-token prompt tier; longer prompts cost more and are undercounted.
 */
export const MODEL_PRICES: Readonly<Record<'anthropic' | 'google', Readonly<Record<string, ModelPrice>>>> = {
  anthropic: {
    'claude-opus-4-5': anthropic(5, 25, 0.5),
    'claude-opus-4-1': anthropic(15, 75, 1.5),
    'claude-opus-4': anthropic(15, 75, 1.5),
    'claude-3-opus': anthropic(15, 75, 1.5),
    'claude-sonnet-4-5': anthropic(3, 15, 0.3),
    'claude-sonnet-4': anthropic(3, 15, 0.3),
    'claude-3-7-sonnet': anthropic(3, 15, 0.3),
    'claude-3-5-sonnet': anthropic(3, 15, 0.3),
    'claude-haiku-4-5': anthropic(1, 5, 0.1),
    'claude-3-5-haiku': anthropic(0.8, 4, 0.08),
    'claude-3-haiku': anthropic(0.25, 1.25, 0.03),
  },
  google: {
    'gemini-2.5-pro': google(1.25, 10, 0.31),
    'gemini-2.5-flash-lite': google(0.1, 0.4, 0.025),
    'gemini-2.5-flash': google(0.3, 2.5, 0.075),
    'gemini-2.0-flash-lite': google(0.075, 0.3, 0.075),
    'gemini-2.0-flash': google(0.1, 0.4, 0.025),
    'gemini-1.5-pro': google(1.25, 5, 0.3125),
    'gemini-1.5-flash': google(0.075, 0.3, 0.01875),
  },
};

const PROVIDER_FAMILY: Readonly<Record<string, 'anthropic' | 'google'>> = {
  anthropic: 'anthropic',
  claude: 'anthropic',
  google: 'google',
  gemini: 'google',
};

const FREE: ModelPrice = { inputPerMillion: 0, outputPerMillion: 0, cachedInputPerMillion: 0 };

/** What {@link estimateCostUsd} takes. Token counts default to 0. */
export interface CostRequest {
  /** `claude`/`anthropic`, `gemini`/`google`, or a local provider (`local`, `ollama`, ...). */
  provider: string;
  /** The provider's model id, e.g. `claude-sonnet-4-5-20250929`, `gemini-2.5-flash`, `qwen3:8b`. */
  model: string;
  /** All input tokens of the call, cached ones included. */
  inputTokens?: number;
  /** Output tokens. */
  outputTokens?: number;
  /** The part of `inputTokens` read from the prompt cache (billed at the cached price). */
  cachedTokens?: number;
}

/** What {@link estimateCostUsd} returns. */
export interface CostEstimate {
  /** The cost in USD; 0 for local models and for models the table does not know. */
  costUsd: number;
  /** What the cached tokens saved against the full input price, in USD. */
  cacheSavingsUsd: number;
  /** False when the model is not in the table: the cost is then 0, not a guess. */
  priceKnown: boolean;
}

/** The price of a model, `undefined` when the table does not know it. Local providers are always free. */
export function findModelPrice(provider: string, model: string): ModelPrice | undefined {
  const name = provider.toLowerCase();
  if (LOCAL_PROVIDERS.includes(name)) return FREE;
  const family = PROVIDER_FAMILY[name];
  if (!family) return undefined;
  const id = model.toLowerCase().replace(/^models\//, '');
  let best: string | undefined;
  for (const prefix of Object.keys(MODEL_PRICES[family])) {
    if (id.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? undefined : MODEL_PRICES[family][best];
}

/**
 * The USD cost of one call from the price table. `cachedTokens` are counted inside `inputTokens` (the
 * AI SDK convention) and billed at the cached price; a larger `cachedTokens` is capped at `inputTokens`.
 * An unknown model costs 0 with `priceKnown: false`; it never throws.
 */
export function estimateCostUsd({
  provider,
  model,
  inputTokens = 0,
  outputTokens = 0,
  cachedTokens = 0,
}: CostRequest): CostEstimate {
  const price = findModelPrice(provider, model);
  if (!price) return { costUsd: 0, cacheSavingsUsd: 0, priceKnown: false };
  const input = Math.max(0, inputTokens);
  const cached = Math.min(Math.max(0, cachedTokens), input);
  const costUsd =
    ((input - cached) * price.inputPerMillion +
      cached * price.cachedInputPerMillion +
      Math.max(0, outputTokens) * price.outputPerMillion) /
    1_000_000;
  const cacheSavingsUsd = (cached * (price.inputPerMillion - price.cachedInputPerMillion)) / 1_000_000;
  return { costUsd, cacheSavingsUsd, priceKnown: true };
}
