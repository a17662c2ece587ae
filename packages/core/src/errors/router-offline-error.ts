import { BigedError } from './biged-error';

const name = 'RouterOfflineError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Options for `new RouterOfflineError(...)`. */
export interface RouterOfflineErrorOptions {
  /** The external provider that was refused, e.g. `claude`. */
  providerId: string;
  /** The model that was asked for. */
  modelId?: string;
  /** Which switch refused it: `[fleet] offline_mode` or `[fleet] air_gap_mode`. */
  mode: 'offline' | 'air-gap';
}

/**
 * The router refused a call to an external provider because the fleet runs offline or air-gapped.
 * Code: `ROUTER_OFFLINE`. Raised before any network access (no DNS lookup, no connection, no key read).
 * Not retryable, so `callWithFallback` does not hide it behind a later failure.
 */
export class RouterOfflineError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The refused provider. */
  readonly providerId: string;
  /** The model that was asked for, when known. */
  readonly modelId: string | undefined;
  /** `offline` or `air-gap`. */
  readonly mode: 'offline' | 'air-gap';

  constructor(options: RouterOfflineErrorOptions) {
    const key = options.mode === 'air-gap' ? 'air_gap_mode' : 'offline_mode';
    super({
      name,
      code: 'ROUTER_OFFLINE',
      message: `Refused to call external provider "${options.providerId}"${options.modelId ? ` (${options.modelId})` : ''}: [fleet] ${key} is on, only local providers may be called`,
      hint: `use a local provider, or set [fleet] ${key} = false in fleet.toml`,
    });
    this.providerId = options.providerId;
    this.modelId = options.modelId;
    this.mode = options.mode;
  }

  static override isInstance(error: unknown): error is RouterOfflineError {
    return BigedError.hasMarker(error, marker);
  }
}
