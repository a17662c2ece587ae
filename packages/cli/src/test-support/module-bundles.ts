// Test helpers for `biged module`: real module bundles (tar.gz built with the `tar` package, as a publisher
// would with `tar -czf`), a registry folder, and a registry served over HTTP on 127.0.0.1.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tar from 'tar';

export { listTree } from '@biged/core/test';

/** Lower-case hex SHA-256 of `bytes`. */
export const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** A tar.gz of a module folder (module.json + index.js) for `name`@`version`. */
export function buildModuleBundle(name: string, version = '1.0.0'): Buffer {
  const dir = mkdtempSync(path.join(tmpdir(), 'biged-cli-bundle-'));
  try {
    const source = path.join(dir, 'src');
    mkdirSync(source);
    writeFileSync(
      path.join(source, 'module.json'),
      JSON.stringify({ name, version, description: `the ${name} module` }),
    );
    // Never imported by the commands under test; a plain ESM file is enough for the hub's checks.
    writeFileSync(path.join(source, 'index.js'), `export default { name: ${JSON.stringify(name)} };\n`);
    const file = path.join(dir, 'bundle.tgz');
    tar.c({ gzip: true, file, cwd: source, sync: true, portable: true }, ['.']);
    return readFileSync(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One module offered by a test registry. */
export interface RegistryModule {
  name: string;
  version?: string;
  /** The bundle served; default a fresh `buildModuleBundle(name, version)`. */
  bundle?: Buffer;
  /** Overrides of the registry entry (e.g. a wrong `sha256`). */
  entry?: Record<string, unknown>;
}

/** Writes `registry.json` and `bundles/<name>-<version>.tgz` into `dir`; returns the entries written. */
export function writeRegistry(dir: string, modules: RegistryModule[]): Record<string, unknown>[] {
  mkdirSync(path.join(dir, 'bundles'), { recursive: true });
  const entries = modules.map(({ name, version = '1.0.0', bundle, entry }) => {
    const bytes = bundle ?? buildModuleBundle(name, version);
    const url = `bundles/${name}-${version}.tgz`;
    writeFileSync(path.join(dir, url), bytes);
    return { name, version, description: `the ${name} module`, url, sha256: sha256(bytes), ...entry };
  });
  writeFileSync(path.join(dir, 'registry.json'), JSON.stringify({ modules: entries }, null, 2));
  return entries;
}

/** A static file server on 127.0.0.1 over a folder, recording the paths requested. */
export async function serveFolder(dir: string): Promise<{
  origin: string;
  requests: string[];
  close: () => Promise<void>;
}> {
  const requests: string[] = [];
  const server: Server = createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://127.0.0.1').pathname);
    requests.push(pathname);
    const file = path.join(dir, pathname);
    if (!file.startsWith(dir + path.sep) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200).end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
