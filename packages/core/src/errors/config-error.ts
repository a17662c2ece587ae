import { BigedError } from './biged-error';

const name = 'ConfigError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** One problem found in a config file. */
export interface ConfigIssue {
  /** Dotted key path inside the file, e.g. `workers.coder_count`. Empty for the whole file. */
  key: string;
  /** What the key should hold, e.g. `a whole number from 0 to 64`. */
  expected: string;
  /** What was found, rendered short. */
  received?: string;
}

/**
 * fleet.toml (or another config file) could not be read, parsed or validated.
 * Codes: `CONFIG_NOT_FOUND`, `CONFIG_TOO_LARGE` (over 1 MiB), `CONFIG_PARSE_FAILED`, `CONFIG_INVALID`.
 */
export class ConfigError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The file that was being loaded. */
  readonly file: string;
  /** Every problem found (validation reports all of them at once). */
  readonly issues: ConfigIssue[];

  constructor(options: {
    code: 'CONFIG_NOT_FOUND' | 'CONFIG_TOO_LARGE' | 'CONFIG_PARSE_FAILED' | 'CONFIG_INVALID';
    file: string;
    issues?: ConfigIssue[];
    message?: string;
    cause?: unknown;
  }) {
    const issues = options.issues ?? [];
    const detail = issues
      .map(
        (issue) =>
          `  - ${issue.key || '(file)'}: expected ${issue.expected}${issue.received ? `, got ${issue.received}` : ''}`,
      )
      .join('\n');
    super({
      name,
      code: options.code,
      message: options.message ?? `${options.file} is not a valid fleet config:\n${detail}`,
      cause: options.cause,
      hint: `fix ${options.file} and try again`,
    });
    this.file = options.file;
    this.issues = issues;
  }

  static override isInstance(error: unknown): error is ConfigError {
    return BigedError.hasMarker(error, marker);
  }
}
