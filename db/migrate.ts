/**
 * Applies the SQL migrations in db/migrations (drizzle-kit's journal) as the owner role. Creates no
 * login role: the worker's role belongs to each environment (db/local/worker-role.ts locally,
 * docs/decisions.md for production). Runs on Node: npm start, test set-up, `npm run db:migrate`.
 */

import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

export async function runMigrations(ownerUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await migrate(drizzle(client), { migrationsFolder });
  } finally {
    await client.end();
  }
}
