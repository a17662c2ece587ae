import { BigedError } from '@biged/core';

const name = 'ResearchSourceError';
const marker = `biged.error.${name}`;
const symbol = Symbol.for(marker);

/** Why a network research skill (`web_search`, `arxiv_fetch`, `lead_research`) failed. */
export type ResearchSourceErrorCode =
  | 'RESEARCH_NOT_CONFIGURED'
  | 'RESEARCH_HTTP_ERROR'
  | 'RESEARCH_TIMEOUT'
  | 'RESEARCH_BAD_RESPONSE'
  | 'RESEARCH_API_ERROR'
  | 'RESEARCH_NO_RESULTS';

/** Options for `new ResearchSourceError(...)`. */
export interface ResearchSourceErrorOptions {
  /** Why the skill failed. */
  code: ResearchSourceErrorCode;
  /** The skill that failed. */
  skill: string;
  /** What is wrong, naming the source and what to do. */
  message: string;
  /** The source asked (`searxng`, `brave`, `tavily`, `arxiv`), when there is one. */
  source?: string;
  /** The URL asked, without credentials, when there is one. */
  url?: string;
  /** The HTTP status, for `RESEARCH_HTTP_ERROR`. */
  status?: number;
  /** The underlying error (a fetch, zod or XML error), if any. */
  cause?: unknown;
  /** A short "try ..." hint. */
  hint?: string;
}

/**
 * A research source could not be used: no backend is configured (`RESEARCH_NOT_CONFIGURED`, the message
 * names the environment variables to set), the source answered with an HTTP error (`RESEARCH_HTTP_ERROR`),
 * did not answer in time (`RESEARCH_TIMEOUT`), answered with a body that is not in its documented format
 * (`RESEARCH_BAD_RESPONSE`: malformed JSON or XML, missing fields; the message names them), reported an
 * error in a well-formed answer (`RESEARCH_API_ERROR`, e.g. an arXiv Atom error entry), or found nothing to
 * work from (`RESEARCH_NO_RESULTS`). Nothing is written in any of these cases.
 */
export class ResearchSourceError extends BigedError {
  // biome-ignore lint/correctness/noUnusedPrivateClassMembers: read through Symbol.for() by isInstance
  private readonly [symbol] = true;
  /** The skill that failed. */
  readonly skill: string;
  /** The source asked, if any. */
  readonly source: string | undefined;
  /** The URL asked (no credentials), if any. */
  readonly url: string | undefined;
  /** The HTTP status, for `RESEARCH_HTTP_ERROR`. */
  readonly status: number | undefined;

  constructor(options: ResearchSourceErrorOptions) {
    super({ name, code: options.code, message: options.message, cause: options.cause, hint: options.hint });
    this.skill = options.skill;
    this.source = options.source;
    this.url = options.url;
    this.status = options.status;
  }

  static override isInstance(error: unknown): error is ResearchSourceError {
    return BigedError.hasMarker(error, marker);
  }
}
