import { defineConfig } from 'drizzle-kit';

// drizzle-kit generates SQL offline from the schema; migrations are applied by db/migrate.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './db/migrations',
});
