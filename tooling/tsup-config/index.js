import { readFileSync } from 'node:fs';
import { defineConfig } from 'tsup';

/**
 * The tsup build every @biged package uses: ESM only, .d.ts, source maps, Node 20, and
 * `__PACKAGE_VERSION__` defined from the package's own package.json (read by its `src/version.ts`).
 */
export function defineLibraryConfig(packageDirectoryUrl, entry) {
  const { version } = JSON.parse(readFileSync(new URL('./package.json', packageDirectoryUrl), 'utf8'));
  return defineConfig({
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    define: { __PACKAGE_VERSION__: JSON.stringify(version) },
  });
}
