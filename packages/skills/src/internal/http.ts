import path from 'node:path';
import type { SkillContext } from '@biged/skill-sdk';
import { ResearchSourceError } from '../errors/research-source-error';
import { agentStem, dateStamp } from './model-skill';

/**
 * HTTP for the network research skills: global `fetch` under the task's signal and a per-request time
 * limit, with the body read as text up to a size limit. Failures become `ResearchSourceError`s.
 */

/** Default time limit of one request: 30 s. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** Bodies over 8 MiB are refused (no search or arXiv answer is that large). */
export const MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

/** Options for `fetchText`. */
export interface FetchTextOptions {
  /** The skill asking (errors name it). */
  skill: string;
  /** The source asked (`searxng`, `arxiv`, ...). */
  source: string;
  /** The URL to fetch. A `user:password@` in it is sent as HTTP basic auth and left out of messages. */
  url: URL;
  /** The URL as errors show it (no keys). Default `url` itself. */
  shownUrl?: string;
  /** `GET` (default) or `POST`. */
  method?: 'GET' | 'POST';
  /** Request headers. */
  headers?: Record<string, string>;
  /** A request body (for `POST`). */
  body?: string;
  /** The task's signal. */
  signal: AbortSignal;
  /** Time limit of this request. Default `DEFAULT_REQUEST_TIMEOUT_MS`. */
  timeoutMs?: number;
}

/**
 * Fetches `url` and resolves with the response body as text. Rejects with `ResearchSourceError`:
 * `RESEARCH_TIMEOUT` past the time limit, `RESEARCH_HTTP_ERROR` for a connection failure or a non-2xx
 * status (the first 300 characters of the body in the message), `RESEARCH_BAD_RESPONSE` for a body over
 * `MAX_RESPONSE_BYTES`. An aborted task signal rejects with the signal's reason, unchanged.
 */
export async function fetchText(options: FetchTextOptions): Promise<string> {
  const { skill, source, url, signal } = options;
  const shownUrl = options.shownUrl ?? withoutCredentials(url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  // fetch refuses URLs with credentials: send them as HTTP basic auth (a SearXNG behind a password).
  const headers: Record<string, string> = { ...options.headers };
  let target = url;
  if (url.username !== '' || url.password !== '') {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    headers.authorization ??= `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    target = new URL(withoutCredentials(url));
  }
  let response: Response;
  try {
    response = await fetch(target, {
      method: options.method ?? 'GET',
      headers,
      body: options.body,
      redirect: 'follow',
      signal: AbortSignal.any([signal, timeout]),
    });
  } catch (error) {
    throw requestFailure(options, shownUrl, timeoutMs, timeout, error);
  }
  let text: string;
  try {
    const length = Number(response.headers.get('content-length') ?? '0');
    if (length > MAX_RESPONSE_BYTES) {
      await response.body?.cancel();
      throw tooLarge(options, shownUrl, length);
    }
    text = await response.text();
  } catch (error) {
    if (ResearchSourceError.isInstance(error)) throw error;
    throw requestFailure(options, shownUrl, timeoutMs, timeout, error);
  }
  if (Buffer.byteLength(text) > MAX_RESPONSE_BYTES)
    throw tooLarge(options, shownUrl, Buffer.byteLength(text));
  if (!response.ok) {
    const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 300);
    throw new ResearchSourceError({
      code: 'RESEARCH_HTTP_ERROR',
      skill,
      source,
      url: shownUrl,
      status: response.status,
      message: `${skill}: ${source} answered HTTP ${response.status} for ${shownUrl}${excerpt ? `: ${excerpt}` : ''}`,
      hint: response.status === 401 || response.status === 403 ? `check the ${source} API key` : undefined,
    });
  }
  return text;
}

/** `url` as text without a `user:password@` part, for messages and logs. */
export function withoutCredentials(url: URL): string {
  if (url.username === '' && url.password === '') return url.toString();
  const shown = new URL(url.toString());
  shown.username = '';
  shown.password = '';
  return shown.toString();
}

function tooLarge(options: FetchTextOptions, shownUrl: string, size: number): ResearchSourceError {
  return new ResearchSourceError({
    code: 'RESEARCH_BAD_RESPONSE',
    skill: options.skill,
    source: options.source,
    url: shownUrl,
    message: `${options.skill}: ${options.source} answered ${shownUrl} with ${size} bytes, over the ${MAX_RESPONSE_BYTES}-byte limit`,
  });
}

function requestFailure(
  options: FetchTextOptions,
  shownUrl: string,
  timeoutMs: number,
  timeout: AbortSignal,
  error: unknown,
): unknown {
  // The task was cancelled or timed out: let runSkill's own error stand.
  if (options.signal.aborted) return options.signal.reason;
  if (timeout.aborted) {
    return new ResearchSourceError({
      code: 'RESEARCH_TIMEOUT',
      skill: options.skill,
      source: options.source,
      url: shownUrl,
      cause: error,
      message: `${options.skill}: ${options.source} did not answer ${shownUrl} within ${timeoutMs} ms`,
    });
  }
  const reason =
    error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
  return new ResearchSourceError({
    code: 'RESEARCH_HTTP_ERROR',
    skill: options.skill,
    source: options.source,
    url: shownUrl,
    cause: error,
    message: `${options.skill}: could not reach ${options.source} at ${shownUrl}: ${reason}`,
  });
}

/**
 * The absolute path of a research record: `<home>/knowledge/<folder>/<prefix><slug>_<YYYYMMDD>_<agent>.<ext>`.
 * The same subject, day and agent give the same name, so a retried task replaces its own file.
 */
export function researchFile(
  ctx: SkillContext,
  options: { folder: string; prefix: string; slug: string; date: Date; extension: 'json' | 'md' },
): string {
  const name = `${options.prefix}${options.slug}_${dateStamp(options.date)}_${agentStem(ctx.task.agent)}.${options.extension}`;
  return path.join(ctx.paths.knowledge, options.folder, name);
}

/** The environment the research skills read their backend settings from. */
export type ResearchEnv = Readonly<Record<string, string | undefined>>;

/**
 * A configured base URL from the environment (trimmed), or undefined when unset or empty. Anything but an
 * absolute `http:` or `https:` URL is `RESEARCH_NOT_CONFIGURED`, naming the variable.
 */
export function envUrl(env: ResearchEnv, key: string, skill: string): URL | undefined {
  const raw = env[key]?.trim();
  if (!raw) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ResearchSourceError({
      code: 'RESEARCH_NOT_CONFIGURED',
      skill,
      message: `${skill}: ${key} must be an absolute http(s) URL, got ${JSON.stringify(raw)}`,
      hint: `set ${key} to e.g. http://127.0.0.1:8888`,
    });
  }
  return url;
}

/** `base` with `pathname` appended to its path (keeps a path prefix such as a proxy's `/searx`). */
export function joinUrl(base: URL, pathname: string): URL {
  const url = new URL(base.toString());
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${pathname.replace(/^\/+/, '')}`;
  url.search = '';
  url.hash = '';
  return url;
}
