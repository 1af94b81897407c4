import { defineConfig } from 'vitest/config';

/** meshctl's tests spawn the CLI and real processes (registry, fake agents), so they get generous timeouts. */
export default defineConfig({
  test: {
    name: '@mesh/meshctl',
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
