import { BigedError } from '@biged/core/startup';

const name = 'ConductorUnreachableError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * Why the conductor model could not be asked:
 * - `connection`: nothing answered at the host (connection refused or reset, DNS, timeout);
 * - `model-not-found`: the host answered 404 (Ollama: the model is not pulled / no such GGUF file);
 * - `server-error`: the host answered with a 5xx or a body that is not its API's format.
 */
export type ConductorUnreachableReason = 'connection' | 'model-not-found' | 'server-error';

/** Options for `new ConductorUnreachableError(...)`. */
export interface ConductorUnreachableErrorOptions {
  /** The provider asked (`[models] conductor_provider`), e.g. `local`. */
  provider: string;
  /** The model asked for, e.g. `qwen3:4b`. */
  model: string;
  /** Where the provider was reached: the Ollama URL for `local`, the API base URL otherwise. */
  host: string;
  /** What went wrong. */
  reason: ConductorUnreachableReason;
  /** The fleet home, for the hint (`<home>/models/<model>.gguf`). */
  home: string;
  /** The provider's own message (the `ModelCallError`'s). */
  detail: string;
  /** The router's error. */
  cause?: unknown;
}

const what: Record<ConductorUnreachableReason, string> = {
  connection: 'did not answer',
  'model-not-found': 'does not have the model',
  'server-error': 'failed',
};

/**
 * `biged task "<sentence>"` could not reach the conductor model, so nothing was dispatched.
 * Code: `CONDUCTOR_UNREACHABLE` (exit code 5, like a fleet that is not ready). The message names the
 * provider, model and host; the hint says how to make the model available, or to skip it with the JSON form.
 */
export class ConductorUnreachableError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The provider asked. */
  readonly provider: string;
  /** The model asked for. */
  readonly model: string;
  /** Where the provider was reached. */
  readonly host: string;
  /** What went wrong. */
  readonly reason: ConductorUnreachableReason;

  constructor(options: ConductorUnreachableErrorOptions) {
    const { provider, model, host, reason, home, detail } = options;
    super({
      name,
      code: 'CONDUCTOR_UNREACHABLE',
      message: `the conductor model ${what[reason]}: provider "${provider}", model "${model}" at ${host} (${detail}); nothing was dispatched`,
      hint: hintFor(options, home),
      cause: options.cause,
    });
    this.provider = provider;
    this.model = model;
    this.host = host;
    this.reason = reason;
  }

  static override isInstance(error: unknown): error is ConductorUnreachableError {
    return BigedError.hasMarker(error, marker);
  }
}

const JSON_FORM = `or skip the conductor with the JSON form: biged task '{"skill":"<skill>", ...}' or biged dispatch <skill> '<json>'`;

function hintFor({ provider, model, reason }: ConductorUnreachableErrorOptions, home: string): string {
  if (provider !== 'local') {
    return `check the network, the ${provider} API key and [models] ${provider}_base_url in fleet.toml, set [models] conductor_provider = "local", ${JSON_FORM}`;
  }
  const gguf = `put ${model}.gguf in ${home}/models and run \`biged up\` (the embedded backend serves it)`;
  if (reason === 'model-not-found') {
    return `pull it (\`ollama pull ${model}\`) or set [models] conductor_model to a model the host has, ${gguf}, ${JSON_FORM}`;
  }
  return `start Ollama (\`ollama serve\`, then \`ollama pull ${model}\`) or fix [models] ollama_host, ${gguf}, ${JSON_FORM}`;
}
