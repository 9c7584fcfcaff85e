import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The admin panel in Debian's Chromium (playwright-core) against the full local stack (npm start).
export default defineProject({
  test: {
    name: 'browser',
    root,
    environment: 'node',
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // UI updates follow API round trips through wrangler dev; give polls room on a busy CI machine.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
});
