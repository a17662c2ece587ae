// Test helpers (not exported from the package): module folders, real tarballs, hand-made malicious tar
// archives, ed25519 keys, and a registry served by a real HTTP server on 127.0.0.1.
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { parseFleetConfig } from '@biged/core';

export { listTree as snapshot } from '@biged/core/test';

import * as tar from 'tar';
import { sha256Hex } from './bundle';

/** A temp folder removed by `cleanup`. */
export function tempDir(prefix = 'biged-hub-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The built @biged/module-sdk entry as a file URL, so module code written in tests can import it. */
export const SDK_URL = pathToFileURL(
  path.resolve(
    fileURLToPath(new URL('.', import.meta.url)),
    '../node_modules/@biged/module-sdk/dist/index.js',
  ),
).href;

/** Options for `moduleSource`. */
export interface ModuleSourceOptions {
  name: string;
  version?: string;
  dependsOn?: string[];
  /** Extra module.json fields (or overrides). */
  manifest?: Record<string, unknown>;
  /** Replaces the generated index.js. */
  code?: string;
  /** Extra files: relative path -> content. */
  files?: Record<string, string>;
}

/** The files of a module folder (module.json + an index.js that calls the real defineModule). */
export function moduleSource(options: ModuleSourceOptions): Record<string, string> {
  const { name, version = '1.0.0', dependsOn = [] } = options;
  const code =
    options.code ??
    `import { defineModule } from ${JSON.stringify(SDK_URL)};
export default defineModule({
  name: ${JSON.stringify(name)},
  label: ${JSON.stringify(name.toUpperCase())},
  version: ${JSON.stringify(version)},
  dependsOn: ${JSON.stringify(dependsOn)},
  dataSchema: { table: ${JSON.stringify(`${name.replaceAll('-', '_')}_records`)}, fields: { title: { type: 'text', required: true } } },
  render: () => ['hello from ${name} ${version}'],
});
`;
  return {
    'module.json': JSON.stringify({ name, version, description: `the ${name} module`, ...options.manifest }),
    'index.js': code,
    ...options.files,
  };
}

/** Writes files (relative path -> content) under `dir`. */
export function writeTree(dir: string, files: Record<string, string>): void {
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
  }
}

/** A real tar.gz of `files`, built with the `tar` package from a temp folder (entries `./module.json`, ...). */
export function buildBundle(files: Record<string, string>, { gzip = true }: { gzip?: boolean } = {}): Buffer {
  const { dir, cleanup } = tempDir('biged-bundle-src-');
  try {
    const source = path.join(dir, 'src');
    writeTree(source, files);
    const file = path.join(dir, 'bundle.tgz');
    tar.c({ gzip, file, cwd: source, sync: true, portable: true }, ['.']);
    return readFileSync(file);
  } finally {
    cleanup();
  }
}

/** One entry of a hand-made tar. */
export interface RawTarEntry {
  path: string;
  /** `0` file (default), `1` hard link, `2` symlink, `3` char device, `4` block device, `5` folder, `6` FIFO. */
  type?: '0' | '1' | '2' | '3' | '4' | '5' | '6';
  content?: string;
  linkpath?: string;
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

/**
 * A ustar archive written byte by byte, so tests can put in what the `tar` package would refuse to create
 * (`../x`, `/etc/x`, links out, devices).
 */
export function rawTar(entries: RawTarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.content ?? '');
    const type = entry.type ?? '0';
    const header = Buffer.alloc(512);
    header.write(entry.path, 0, 100, 'utf8');
    header.write(octal(type === '5' ? 0o755 : 0o644, 8), 100, 'latin1');
    header.write(octal(0, 8), 108, 'latin1');
    header.write(octal(0, 8), 116, 'latin1');
    header.write(octal(type === '0' ? body.length : 0, 12), 124, 'latin1');
    header.write(octal(1_700_000_000, 12), 136, 'latin1');
    header.write('        ', 148, 'latin1');
    header.write(type, 156, 'latin1');
    header.write(entry.linkpath ?? '', 157, 100, 'utf8');
    header.write('ustar\0', 257, 'latin1');
    header.write('00', 263, 'latin1');
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    blocks.push(header);
    if (type === '0' && body.length > 0) {
      blocks.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(blocks));
}

/** The files of a module as raw tar entries, plus `extra` ones. */
export function rawModuleTar(name: string, extra: RawTarEntry[], version = '1.0.0'): Buffer {
  const files = moduleSource({ name, version });
  return rawTar([...Object.entries(files).map(([file, content]) => ({ path: file, content })), ...extra]);
}

/** An ed25519 key pair: the public key as base64 of its 32 raw bytes, and a signer. */
export function publisherKeyPair(): {
  publicKey: string;
  privateKey: KeyObject;
  signBundle: (bytes: Buffer) => string;
} {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  return {
    publicKey: raw.toString('base64'),
    privateKey,
    signBundle: (bytes) => sign(null, bytes, privateKey).toString('base64'),
  };
}

/** A registry entry for a bundle: name, version, url, the bundle's real sha256, and any overrides. */
export function entryFor(
  name: string,
  bundle: Buffer,
  overrides: Record<string, unknown> = {},
  version = '1.0.0',
): Record<string, unknown> {
  return {
    name,
    version,
    description: `the ${name} module`,
    url: `bundles/${name}-${version}.tgz`,
    sha256: sha256Hex(bundle),
    ...overrides,
  };
}

/** A real HTTP server on 127.0.0.1 serving fixed routes, recording every request path. */
export interface TestHttpServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Paths requested, in order. */
  requests: string[];
  /** Sets (or replaces) what a path serves: a body (200) or a status code. */
  route(pathname: string, body: string | Buffer | number): void;
  /** Forgets every route and request. */
  reset(): void;
  close(): Promise<void>;
}

/** Starts a `TestHttpServer`. */
export async function startHttpServer(): Promise<TestHttpServer> {
  const routes = new Map<string, string | Buffer | number>();
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const pathname = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    requests.push(pathname);
    const body = routes.get(pathname);
    if (body === undefined || typeof body === 'number') {
      response.writeHead(body ?? 404).end();
      return;
    }
    response.writeHead(200, {
      'content-type': pathname.endsWith('.json') ? 'application/json' : 'application/octet-stream',
    });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    route: (pathname, body) => routes.set(pathname, body),
    reset: () => {
      routes.clear();
      requests.length = 0;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A fleet config from a `[modules]` / `[fleet]` / `[launcher]` fragment. */
export function fleetConfig(sections: Record<string, unknown> = {}) {
  return parseFleetConfig(sections).config;
}
