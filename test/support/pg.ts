/** Node-side Postgres helpers for database tests: owner fixtures and tenant transactions via `pg`. */
import pg from 'pg';

export interface Claims {
  sub: string;
  org_id: string;
  roles?: string[];
  permissions?: string[];
}

export async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Same statement the worker's tenant helper runs (db/tenant.ts), inside a transaction. */
export async function asTenant<T>(client: pg.Client, claims: Claims, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    await client.query(
      "select set_config('role', 'ce_app', true), set_config('request.jwt.claims', $1, true)",
      [JSON.stringify({ roles: [], permissions: [], ...claims })],
    );
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}
