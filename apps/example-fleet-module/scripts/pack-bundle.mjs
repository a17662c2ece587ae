#!/usr/bin/env node
// Packs the built module as a Module Hub bundle: dist/bundle/{module.json,index.js} -> a tar.gz, its
// SHA-256 (`<bundle>.sha256`, sha256sum format, what `biged module install --file` reads), and
// dist/registry/ (registry.json + the bundle): a local registry folder for `[modules] registry_dir`.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tar from 'tar';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const { biged } = pkg;
const dist = path.join(root, 'dist');
const bundleDir = path.join(dist, 'bundle');
const registryDir = path.join(dist, 'registry');
rmSync(bundleDir, { recursive: true, force: true });
rmSync(registryDir, { recursive: true, force: true });
mkdirSync(bundleDir, { recursive: true });
mkdirSync(registryDir, { recursive: true });

const manifest = {
  name: biged.module,
  version: pkg.version,
  entry: 'index.js',
  description: biged.description,
  min_sdk_version: biged.minSdkVersion,
};
writeFileSync(path.join(bundleDir, 'module.json'), `${JSON.stringify(manifest, null, 2)}\n`);
copyFileSync(path.join(dist, 'index.js'), path.join(bundleDir, 'index.js'));

const file = `${manifest.name}-${manifest.version}.tgz`;
const bundle = path.join(dist, file);
// portable + a fixed mtime: the same build packs to the same bytes, so the published SHA-256 is stable.
tar.c({ gzip: true, file: bundle, cwd: bundleDir, sync: true, portable: true, mtime: new Date(0) }, [
  'module.json',
  'index.js',
]);
const sha256 = createHash('sha256').update(readFileSync(bundle)).digest('hex');
writeFileSync(`${bundle}.sha256`, `${sha256}  ${file}\n`);
copyFileSync(bundle, path.join(registryDir, file));
const entry = { ...manifest, url: file, sha256 };
delete entry.entry;
writeFileSync(path.join(registryDir, 'registry.json'), `${JSON.stringify({ modules: [entry] }, null, 2)}\n`);
console.log(`packed ${path.relative(root, bundle)} (sha256 ${sha256})`);
