import { LocalModelRequestError } from './errors';

/** The Ollama `options` fields the embedded backend honours (others are accepted and ignored). */
export interface OllamaRunOptions {
  /** Tokens to generate at most; -1 (default) means one context's worth, -2 fills the context. */
  num_predict?: number;
  /** Context size to load the model with. Default: the server's `contextSize`. */
  num_ctx?: number;
  /** Sampling temperature; 0 is greedy. Default 0.8 (Ollama's). */
  temperature?: number;
  /** Seed for sampling (only matters with temperature > 0). Default: random. */
  seed?: number;
  /** Default 40 (Ollama's). */
  top_k?: number;
  /** Default 0.9 (Ollama's). */
  top_p?: number;
  /** Default 0 (off). */
  min_p?: number;
  /** Default 1.1 (Ollama's). */
  repeat_penalty?: number;
  /** Default 64; 0 turns the repeat penalty off, -1 uses the context size. */
  repeat_last_n?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  /** Strings that end the generation; they are not part of the output. */
  stop?: string[];
}

/** Sampling settings in node-llama-cpp's terms. */
export interface Sampling {
  maxTokens: number;
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  seed: number | undefined;
  repeatPenalty:
    | false
    | { penalty: number; lastTokens: number; frequencyPenalty?: number; presencePenalty?: number };
  /** Ollama's `stop` strings, applied to the decoded text (see `createStopFilter`). */
  stop: string[];
}

const NUMBER_OPTIONS = [
  'num_predict',
  'num_ctx',
  'temperature',
  'seed',
  'top_k',
  'top_p',
  'min_p',
  'repeat_penalty',
  'repeat_last_n',
  'frequency_penalty',
  'presence_penalty',
] as const;

/** Checks the types of the `options` fields used here; throws `LocalModelRequestError` otherwise. */
export function parseRunOptions(value: unknown): OllamaRunOptions {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw badOption('options', 'must be an object');
  const record = value as Record<string, unknown>;
  const options: OllamaRunOptions = {};
  for (const key of NUMBER_OPTIONS) {
    const field = record[key];
    if (field === undefined || field === null) continue;
    if (typeof field !== 'number' || !Number.isFinite(field))
      throw badOption(`options.${key}`, 'must be a number');
    options[key] = field;
  }
  if (record.stop !== undefined && record.stop !== null) {
    const stop = typeof record.stop === 'string' ? [record.stop] : record.stop;
    if (!Array.isArray(stop) || !stop.every((item): item is string => typeof item === 'string')) {
      throw badOption('options.stop', 'must be a string or an array of strings');
    }
    options.stop = stop.filter((item) => item.length > 0);
  }
  if (options.num_ctx !== undefined && options.num_ctx < 1)
    throw badOption('options.num_ctx', 'must be >= 1');
  return options;
}

/** Maps Ollama options to node-llama-cpp sampling, with Ollama's defaults. */
export function toSampling(options: OllamaRunOptions, contextSize: number, promptTokens: number): Sampling {
  const numPredict = options.num_predict ?? -1;
  // -1 would be "until the end token" in Ollama; one context's worth bounds a model that never stops.
  const maxTokens =
    numPredict === -2 ? Math.max(1, contextSize - promptTokens) : numPredict < 0 ? contextSize : numPredict;
  const lastTokens = options.repeat_last_n === -1 ? contextSize : (options.repeat_last_n ?? 64);
  const seed = options.seed;
  return {
    maxTokens: Math.max(1, Math.floor(maxTokens)),
    temperature: Math.max(0, options.temperature ?? 0.8),
    topK: Math.max(0, Math.floor(options.top_k ?? 40)),
    topP: options.top_p ?? 0.9,
    minP: options.min_p ?? 0,
    seed: seed !== undefined && seed >= 0 ? Math.floor(seed) : undefined,
    repeatPenalty:
      lastTokens <= 0
        ? false
        : {
            penalty: options.repeat_penalty ?? 1.1,
            lastTokens: Math.floor(lastTokens),
            ...(options.frequency_penalty ? { frequencyPenalty: options.frequency_penalty } : {}),
            ...(options.presence_penalty ? { presencePenalty: options.presence_penalty } : {}),
          },
    stop: options.stop ?? [],
  };
}

function badOption(field: string, message: string): LocalModelRequestError {
  return new LocalModelRequestError({ reason: 'invalid-field', field, message: `${field} ${message}` });
}
