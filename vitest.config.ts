import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    setupFiles: ['test/helpers/temp-folder-per-file.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // A test file mostly waits on a child process, or on small queries that use one core: on the
    // 2-core machines four files at once keep both busy (the suite: 1,045 s with two, 878 s with three).
    maxWorkers: 4,
    // Concurrent tests (the site's pages, each in its own tab) three at a time.
    maxConcurrency: 3,
    // A worker's files share its modules: each file importing DuckDB, kysely and pipelines/ afresh
    // cost ~100 s of the suite's CPU (1,503 s → 1,323 s without). Each file still runs the setup
    // files, so it still writes under a temporary folder of its own.
    isolate: false,
  },
});
