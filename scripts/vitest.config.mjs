import { defineConfig } from 'vitest/config';

/** The helpers of the scripts (bench-orders' /proc readers, …): plain .mjs modules with .test.mjs beside them. */
export default defineConfig({
  test: {
    name: 'scripts',
    include: ['lib/**/*.test.mjs'],
  },
});
