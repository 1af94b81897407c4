import { defineConfig } from 'vitest/config';

/**
 * One vitest run over every workspace package, so `pnpm test` prints one summary.
 * Each package may add its own vitest.config.ts; the defaults below apply otherwise.
 */
export default defineConfig({
  test: {
    projects: ['packages/*', 'agents/*', 'scripts'],
    reporters: ['default', './scripts/vitest-summary-reporter.ts'],
  },
});
