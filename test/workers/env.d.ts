import type { Env as WorkerEnv } from '../../worker/env.ts';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_OWNER_DATABASE_URL: string;
      TEST_EMULATOR_URL: string;
      TEST_JWKS_URL: string;
      TEST_JWKS_PRIVATE_JWK: string;
    }
    interface GlobalProps {
      mainModule: typeof import('../../worker/index.ts');
      durableNamespaces: 'CalendarConnection';
    }
  }
}
