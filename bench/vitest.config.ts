import { fileURLToPath } from 'node:url';
import { defineConfig, mergeConfig } from 'vitest/config';
import workersProject from '../test/workers/vitest.config.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

// Benchmarks run in real workerd against Postgres, the proxy and the emulator, like the worker tests,
// but only when `npm run bench` asks for them.
export default mergeConfig(
  workersProject,
  defineConfig({
    test: { name: 'bench', root, include: ['bench/workers/**/*.bench.test.ts'], testTimeout: 300_000 },
  }),
);
