import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

// The admin panel in Chromium (playwright-core; test/browser/chromium.ts picks which) and the local
// stack's robustness, each file against its own full local stack (npm start). Files run one at a
// time: two stacks at once would compete for the machine's cores.
export default defineProject({
  test: {
    name: 'browser',
    root,
    environment: 'node',
    include: ['test/browser/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // UI updates follow API round trips through the local worker; give polls room on a busy CI machine.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
});
