import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/temp-folder-per-file.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // DuckDB uses both cores per file already; two files at once is plenty on the 2-core machines.
    maxWorkers: 2,
    // Concurrent tests (the site's pages, each in its own tab) three at a time.
    maxConcurrency: 3,
  },
});
