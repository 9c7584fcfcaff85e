/**
 * Applies the SQL migrations in db/migrations (drizzle-kit's journal) as the owner role, then makes
 * sure the worker's login role exists. Runs on Node (npm start, test setup, `npm run db:migrate`).
 */

import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** The login role the worker uses locally: owns nothing, no BYPASSRLS, may only SET ROLE ce_app. */
export const LOCAL_WORKER_ROLE = 'ce_worker';
export const LOCAL_WORKER_PASSWORD = 'ce_worker_local';

export async function runMigrations(ownerUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await migrate(drizzle(client), { migrationsFolder });
    await client.query(`DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${LOCAL_WORKER_ROLE}') THEN
          CREATE ROLE ${LOCAL_WORKER_ROLE} LOGIN NOBYPASSRLS NOSUPERUSER PASSWORD '${LOCAL_WORKER_PASSWORD}';
        END IF;
      END $$`);
    await client.query(`GRANT ce_app TO ${LOCAL_WORKER_ROLE}`);
  } finally {
    await client.end();
  }
}

/** Same server and database as `ownerUrl`, logged in as the worker role. */
export function workerUrlFor(ownerUrl: string): string {
  const url = new URL(ownerUrl);
  url.username = LOCAL_WORKER_ROLE;
  url.password = LOCAL_WORKER_PASSWORD;
  return url.toString();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is required (owner role connection string)');
    process.exit(2);
  }
  await runMigrations(url);
  console.log('migrations applied');
}
