import { defineConfig } from 'vitest/config';

// Two projects: "workers" runs inside real workerd (vitest-pool-workers); "node" runs database,
// emulator and pure-logic tests on Node against real Postgres.
export default defineConfig({
  test: {
    projects: [
      'test/workers/vitest.config.ts',
      'test/node/vitest.config.ts',
      'test/node/vitest.db.config.ts',
      'test/browser/vitest.config.ts',
    ],
    // Log lines of passing tests are noise; failing tests keep theirs.
    silent: 'passed-only',
  },
});
