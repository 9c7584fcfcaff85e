/**
 * `npm run db:migrate`: applies db/migrations to the database of DATABASE_URL, which must be the
 * owner (migration) role. Creates no login role: see docs/decisions.md for the worker's.
 */
import { runMigrations } from '../db/migrate.ts';

const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required: the connection string of the owner (migration) role');
  process.exit(2);
}
try {
  await runMigrations(url);
  console.log(`migrations applied to database ${new URL(url).pathname.slice(1) || '(default)'}`);
} catch (error) {
  // The message names what failed (connection, SQL); the URL with its password is never printed.
  console.error(`migrations failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
