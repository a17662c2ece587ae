import { defineConfig } from 'tsup';

// Built the way an outside author builds a module: installed modules are imported from
// <home>/modules/<name>/ where no node_modules is around them, so the entry is one self-contained ESM
// file with @biged/module-sdk (and what it uses) bundled in. scripts/pack-bundle.mjs then packs it.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  noExternal: [/.*/],
  // One file: a dynamic import() in a bundled dependency must not become a chunk beside it.
  splitting: false,
  treeshake: true,
  dts: true,
  clean: true,
});
