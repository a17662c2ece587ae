import { createWriteStream } from 'node:fs';
import { open, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FleetConfig } from '@biged/core';
import { HubError } from './errors/hub-error';
import type { RegistryEntry } from './registry';

/** Where a registry is read from, in the order the hub asks them. */
export interface RegistrySource {
  /** The fleet.toml key it comes from. */
  key: 'registry_dir' | 'enterprise_hub_url' | 'hub_url';
  /** `directory` (a local folder with registry.json) or `url` (registry.json over HTTP(S)). */
  kind: 'directory' | 'url';
  /** The folder (absolute) or the registry.json URL. */
  location: string;
}

/** A configured source the hub will not use now, and why (offline, bad URL). */
export interface SkippedSource {
  /** The fleet.toml key. */
  key: RegistrySource['key'];
  /** The configured value. */
  value: string;
  /** Why it is not used. */
  reason: string;
}

/** Options shared by the fetching helpers. */
export interface TransferOptions {
  /** The fetch to use. */
  fetch: typeof globalThis.fetch;
  /** Abort a request after this many ms. */
  timeoutMs: number;
  /** Refuse more bytes than this. */
  maxBytes: number;
  /** The fleet is offline / air-gapped: refuse every network address. */
  offline: boolean;
  /** Cancels the transfer. */
  signal?: AbortSignal | undefined;
}

/**
 * Turns a hub setting into the registry.json URL: a URL ending in `.json` is used as it is; a GitHub
 * repository URL (`https://github.com/<owner>/<repo>`) reads `registry.json` from its default branch;
 * any other URL is a folder holding `registry.json`. Only http and https are accepted.
 */
export function registryUrlOf(value: string): string {
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`only http and https hubs are supported, got ${url.protocol}`);
  }
  if (url.pathname.toLowerCase().endsWith('.json')) return url.href;
  const github = url.hostname === 'github.com' ? /^\/([^/]+)\/([^/]+?)(\.git)?\/?$/.exec(url.pathname) : null;
  if (github) return `https://raw.githubusercontent.com/${github[1]}/${github[2]}/HEAD/registry.json`;
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return new URL('registry.json', url).href;
}

/**
 * The registry sources fleet.toml configures, in the order they are asked: `[modules] registry_dir`
 * (relative to the home), then `enterprise_hub_url`, then `hub_url`. In offline or air-gap mode the URL
 * hubs are skipped.
 */
export function resolveRegistrySources(
  config: Pick<FleetConfig, 'modules' | 'fleet'>,
  home: string,
): { sources: RegistrySource[]; skipped: SkippedSource[] } {
  const sources: RegistrySource[] = [];
  const skipped: SkippedSource[] = [];
  const offline = config.fleet.offline_mode || config.fleet.air_gap_mode;
  const { registry_dir: registryDir, enterprise_hub_url: enterprise, hub_url: hub } = config.modules;
  if (registryDir)
    sources.push({ key: 'registry_dir', kind: 'directory', location: path.resolve(home, registryDir) });
  for (const [key, value] of [
    ['enterprise_hub_url', enterprise],
    ['hub_url', hub],
  ] as const) {
    if (!value) continue;
    if (offline) {
      skipped.push({
        key,
        value,
        reason: `${config.fleet.air_gap_mode ? 'air-gap' : 'offline'} mode: no network hubs`,
      });
      continue;
    }
    try {
      sources.push({ key, kind: 'url', location: registryUrlOf(value) });
    } catch (error) {
      skipped.push({ key, value, reason: `not a usable hub URL: ${(error as Error).message}` });
    }
  }
  return { sources, skipped };
}

const sourceFailed = (source: string, message: string, cause?: unknown, hint?: string) =>
  new HubError({ code: 'HUB_SOURCE_FAILED', source, message, cause, hint });

async function fetchChecked(url: string, options: TransferOptions, what: string): Promise<Response> {
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  let response: Response;
  try {
    response = await options.fetch(url, { signal: AbortSignal.any(signals), redirect: 'follow' });
  } catch (error) {
    throw new HubError({
      code: what === 'registry' ? 'HUB_SOURCE_FAILED' : 'HUB_DOWNLOAD_FAILED',
      source: url,
      message: `cannot fetch the ${what} ${url}: ${(error as Error).message}`,
      cause: error,
      hint: 'check the network and [modules] hub_url, or use [modules] registry_dir offline',
    });
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw new HubError({
      code: what === 'registry' ? 'HUB_SOURCE_FAILED' : 'HUB_DOWNLOAD_FAILED',
      source: url,
      message: `fetching the ${what} ${url} failed: HTTP ${response.status}`,
    });
  }
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > options.maxBytes) {
    await response.body?.cancel().catch(() => {});
    throw new HubError({
      code: what === 'registry' ? 'HUB_REGISTRY_INVALID' : 'HUB_BUNDLE_TOO_LARGE',
      source: url,
      message: `the ${what} ${url} is ${declared} bytes; the limit is ${options.maxBytes}`,
    });
  }
  return response;
}

/** Counts bytes through a stream and fails once more than `max` went by. */
function byteLimit(max: number, onTooLarge: () => Error): Transform {
  let total = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      total += chunk.length;
      callback(total > max ? onTooLarge() : null, chunk);
    },
  });
}

/**
 * Reads a registry document: `<folder>/registry.json`, or the URL. Throws `HUB_SOURCE_FAILED` when it
 * cannot be read, `HUB_REGISTRY_INVALID` when it is too large or not JSON.
 */
export async function readRegistryDocument(
  source: RegistrySource,
  options: TransferOptions,
): Promise<unknown> {
  let text: string;
  if (source.kind === 'directory') {
    const file = path.join(source.location, 'registry.json');
    try {
      const size = (await stat(file)).size;
      if (size > options.maxBytes) {
        throw new HubError({
          code: 'HUB_REGISTRY_INVALID',
          source: file,
          message: `${file} is ${size} bytes; the limit is ${options.maxBytes}`,
        });
      }
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (HubError.isInstance(error)) throw error;
      throw sourceFailed(
        source.location,
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        error,
        'check [modules] registry_dir (relative to the fleet home)',
      );
    }
  } else {
    if (options.offline) throw sourceFailed(source.location, `offline: not fetching ${source.location}`);
    const response = await fetchChecked(source.location, options, 'registry');
    const chunks: Buffer[] = [];
    try {
      await pipeline(
        Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>),
        byteLimit(
          options.maxBytes,
          () =>
            new HubError({
              code: 'HUB_REGISTRY_INVALID',
              source: source.location,
              message: `the registry ${source.location} is larger than ${options.maxBytes} bytes`,
            }),
        ),
        new Writable({
          write(chunk: Buffer, _encoding, callback) {
            chunks.push(chunk);
            callback();
          },
        }),
      );
    } catch (error) {
      if (HubError.isInstance(error)) throw error;
      throw sourceFailed(
        source.location,
        `reading ${source.location} failed: ${(error as Error).message}`,
        error,
      );
    }
    text = Buffer.concat(chunks).toString('utf8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HubError({
      code: 'HUB_REGISTRY_INVALID',
      source: source.location,
      message: `the registry at ${source.location} is not valid JSON: ${(error as Error).message}`,
      cause: error,
    });
  }
}

/**
 * Where an entry's bundle is: an http(s) URL (absolute, or relative to a URL registry), or a file inside a
 * directory registry. Anything else (another scheme, a URL registry pointing at local files, a path that
 * leaves the registry folder) throws `HUB_DOWNLOAD_FAILED`.
 */
export function bundleLocation(
  entry: RegistryEntry,
  source: RegistrySource,
): { kind: 'url'; url: string } | { kind: 'file'; file: string } {
  const refuse = (why: string) =>
    new HubError({
      code: 'HUB_DOWNLOAD_FAILED',
      module: entry.name,
      source: source.location,
      message: `refused bundle URL ${JSON.stringify(entry.url)} of "${entry.name}": ${why}`,
    });
  if (/^[a-z][a-z0-9+.-]*:/i.test(entry.url) && !/^[a-z]:[\\/]/i.test(entry.url)) {
    const url = new URL(entry.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw refuse('only http and https URLs are allowed');
    return { kind: 'url', url: url.href };
  }
  if (source.kind === 'url') {
    const url = new URL(entry.url, source.location);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw refuse('only http and https URLs are allowed');
    return { kind: 'url', url: url.href };
  }
  if (path.isAbsolute(entry.url) || entry.url.includes('\\'))
    throw refuse('use a path relative to the registry folder');
  const file = path.resolve(source.location, entry.url);
  const relative = path.relative(source.location, file);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative))
    throw refuse('it leaves the registry folder');
  return { kind: 'file', file };
}

/**
 * Copies the entry's bundle into `target` (a new file in the staging folder), refusing more than
 * `maxBytes`. Throws `HUB_DOWNLOAD_FAILED` or `HUB_BUNDLE_TOO_LARGE`.
 */
export async function downloadBundle(
  entry: RegistryEntry,
  source: RegistrySource,
  target: string,
  options: TransferOptions,
): Promise<void> {
  const location = bundleLocation(entry, source);
  const tooLarge = () =>
    new HubError({
      code: 'HUB_BUNDLE_TOO_LARGE',
      module: entry.name,
      message: `the bundle of "${entry.name}" is larger than ${options.maxBytes} bytes`,
    });
  let input: Readable;
  if (location.kind === 'url') {
    if (options.offline) {
      throw new HubError({
        code: 'HUB_DOWNLOAD_FAILED',
        module: entry.name,
        message: `offline: not downloading ${location.url}`,
        hint: 'put the bundle into the registry folder and give a relative url',
      });
    }
    const response = await fetchChecked(location.url, options, 'bundle');
    input = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  } else {
    let real: string;
    try {
      real = await realpath(location.file);
      const root = await realpath(source.location);
      const relative = path.relative(root, real);
      if (relative.startsWith('..') || path.isAbsolute(relative))
        throw new Error('it resolves outside the registry folder');
    } catch (error) {
      throw new HubError({
        code: 'HUB_DOWNLOAD_FAILED',
        module: entry.name,
        source: source.location,
        message: `cannot read the bundle ${location.file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        cause: error,
      });
    }
    const handle = await open(real, 'r');
    input = handle.createReadStream();
  }
  try {
    await pipeline(
      input,
      byteLimit(options.maxBytes, tooLarge),
      createWriteStream(target, { flags: 'wx', mode: 0o600 }),
    );
  } catch (error) {
    if (HubError.isInstance(error)) throw error;
    throw new HubError({
      code: 'HUB_DOWNLOAD_FAILED',
      module: entry.name,
      message: `downloading the bundle of "${entry.name}" failed: ${(error as Error).message}`,
      cause: error,
    });
  }
}
