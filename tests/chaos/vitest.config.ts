import { defineConfig } from 'vitest/config';

// Each scenario runs a real fleet for tens of seconds; they run one after another (no file parallelism), so
// two fleets never compete for the same two cores.
export default defineConfig({
  test: {
    include: ['src/**/*.chaos.test.ts'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
