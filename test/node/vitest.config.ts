import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
import { DATABASE_TEST_FILES } from './vitest.db.config.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Pure logic, the emulator's conformance suites and the tools on Node. Files that start their own
 * emulator or server do so themselves; the database files are the `db` project's.
 */
export default defineProject({
  test: {
    name: 'node',
    root,
    environment: 'node',
    include: ['test/node/**/*.test.ts'],
    exclude: DATABASE_TEST_FILES,
    testTimeout: 30_000,
  },
});
