import { defineConfig } from 'tsup';

// Built the way an outside author would build a skill package: one ESM entry, @biged/skill-sdk left external.
export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
});
