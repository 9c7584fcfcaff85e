import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The database tests (RLS, migrations, the mirror's storage and the free/busy read) on Node against
 * real Postgres: DATABASE_URL's server, or embedded PGlite when unset (`npm run test:db`). Only
 * these files need the stack the global setup starts (a fresh database with its worker role); the
 * `node` project runs everything else in test/node without one.
 */
export const DATABASE_TEST_FILES = [
  'test/node/availability-free-busy-read.test.ts',
  'test/node/meetings-rls.test.ts',
  'test/node/migrations.test.ts',
  'test/node/rls.test.ts',
  'test/node/sync-storage.test.ts',
];

export default defineProject({
  test: {
    name: 'db',
    root,
    environment: 'node',
    include: DATABASE_TEST_FILES,
    globalSetup: ['test/support/global-setup.ts'],
    // Some tests boot a fresh embedded Postgres of their own (CPU-bound WASM): a hang guard that
    // also holds while the other lanes of npm test, or a second npm test, share the two cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
