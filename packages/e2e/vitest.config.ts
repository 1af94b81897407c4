import { defineConfig } from 'vitest/config';

/**
 * End-to-end suites start the whole system (registry, agents, sandboxes, gateway) as real processes,
 * so files run one after another and every hook and test gets a long timeout.
 */
export default defineConfig({
  test: {
    name: '@mesh/e2e',
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 240_000,
    fileParallelism: false,
    pool: 'forks',
    sequence: { concurrent: false },
  },
});
