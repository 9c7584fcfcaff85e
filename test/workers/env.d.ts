declare namespace Cloudflare {
  interface Env extends import('../../worker/env.ts').Env {
    TEST_OWNER_DATABASE_URL: string;
  }
}
