import { fileURLToPath } from 'node:url';
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineProject } from 'vitest/config';
import { TEST_JWT_SECRET, TEST_VAULT_KEYS } from '../support/jwt.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineProject({
  plugins: [
    cloudflareTest(({ inject }) => ({
      wrangler: { configPath: `${root}/wrangler.toml` },
      miniflare: {
        bindings: {
          DATABASE_URL: inject('workerDatabaseUrl'),
          DB_WS_PROXY: inject('dbWsProxy'),
          AUTH_JWT_SECRET: TEST_JWT_SECRET,
          AUTH_JWT_ISSUER: 'https://auth.ce.test',
          PUBLIC_BASE_URL: 'https://ce-calendar.test',
          CE_WEB_ORIGINS: 'https://web.ce.test, https://staging-web.ce.test',
          CREDENTIAL_VAULT_KEYS: TEST_VAULT_KEYS,
          GOOGLE_CALENDAR_CLIENT_ID: 'platform-google.apps.googleusercontent.com',
          GOOGLE_CALENDAR_CLIENT_SECRET: 'platform-google-secret',
          MICROSOFT_CALENDAR_CLIENT_ID: '11111111-2222-4333-8444-555555555555',
          MICROSOFT_CALENDAR_CLIENT_SECRET: 'platform-microsoft-secret',
          // Test-only: lets fixtures write as the table owner through the same driver.
          TEST_OWNER_DATABASE_URL: inject('ownerDatabaseUrl'),
          // Provider endpoints point at this run's emulator (SPEC §7: base URLs are configuration).
          ...inject('emulatorBaseUrls'),
          TEST_EMULATOR_URL: inject('emulatorUrl'),
          TEST_JWKS_URL: inject('jwksUrl'),
          TEST_JWKS_PRIVATE_JWK: JSON.stringify(inject('jwksPrivateJwk')),
        },
      },
    })),
  ],
  test: {
    name: 'workers',
    root,
    include: ['test/workers/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/workers/log-scan.setup.ts'],
    testTimeout: 30_000,
    // One workerd for every file, one file at a time: a fresh Miniflare per file cost more than
    // most files' tests (its start and every module's import again). Files share the database and
    // the emulator anyway; their Durable Objects have ids of their own.
    isolate: false,
    maxWorkers: 1,
  },
});
