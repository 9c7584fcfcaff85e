/** Helpers for tests that run inside workerd against the real worker, database and proxy. */
import { env, exports } from 'cloudflare:workers';
import { Pool } from '@neondatabase/serverless';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/neon-serverless';
import { configureDriver } from '../../db/tenant.ts';
import { mintToken, type TokenInput } from '../support/jwt.ts';

export const ISSUER = 'https://auth.ce.test';

export const ORG_A = '0a000000-0000-4000-8000-00000000000a';
export const ORG_B = '0b000000-0000-4000-8000-00000000000b';
export const ALICE = 'a1000000-0000-4000-8000-0000000000a1';
export const BOB = 'b0b00000-0000-4000-8000-0000000000b0';
export const CAROL = 'c0000000-0000-4000-8000-0000000000c0';

export const tokenFor = (input: Omit<TokenInput, 'issuer'> & { issuer?: string }) =>
  mintToken({ issuer: ISSUER, ...input });

export const adminToken = (org = ORG_A, sub = ALICE) =>
  tokenFor({
    sub,
    org_id: org,
    roles: ['org_admin'],
    permissions: ['ce.calendar.connect', 'ce.calendar.view'],
  });

export const userToken = (
  org = ORG_A,
  sub = BOB,
  permissions = ['ce.calendar.connect', 'ce.calendar.view'],
) => tokenFor({ sub, org_id: org, permissions });

/** Calls the real worker's fetch handler (same isolate as the test). */
export async function call(path: string, init: RequestInit & { token?: string; json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  return exports.default.fetch(new Request(`https://ce-calendar.test${path}`, { ...init, headers, body }));
}

/**
 * A raw drizzle handle as the table owner (fixtures and benchmarks only; the app has neither this
 * role nor a raw handle). `close()` ends its pool.
 */
export function ownerDrizzle() {
  configureDriver({ DATABASE_URL: env.TEST_OWNER_DATABASE_URL, DB_WS_PROXY: env.DB_WS_PROXY });
  const pool = new Pool({ connectionString: env.TEST_OWNER_DATABASE_URL });
  pool.on('error', () => undefined);
  return { db: drizzle(pool), close: () => pool.end().catch(() => undefined) };
}

/** Runs SQL as the table owner (fixtures only; the app never has this role). */
export async function ownerQuery<T = Record<string, unknown>>(query: SQL): Promise<T[]> {
  const owner = ownerDrizzle();
  try {
    const result = await owner.db.execute(query);
    return result.rows as T[];
  } finally {
    await owner.close();
  }
}

export async function insertConnection(
  org: string,
  user: string,
  email = `user-${crypto.randomUUID()}@example.test`,
): Promise<string> {
  const [row] = await ownerQuery<{ id: string }>(
    sql`insert into ce_calendar_connections (organization_id, user_id, provider, account_email)
        values (${org}, ${user}, 'google', ${email}) returning id`,
  );
  if (!row) throw new Error('fixture insert failed');
  return row.id;
}

/** Raw parameterised SQL as the table owner (fixtures that share SQL text with Node scripts). */
export async function ownerRaw(text: string, values: unknown[]): Promise<number> {
  configureDriver({ DATABASE_URL: env.TEST_OWNER_DATABASE_URL, DB_WS_PROXY: env.DB_WS_PROXY });
  const pool = new Pool({ connectionString: env.TEST_OWNER_DATABASE_URL });
  pool.on('error', () => undefined);
  try {
    const result = await pool.query(text, values);
    return result.rowCount ?? 0;
  } finally {
    await pool.end().catch(() => undefined);
  }
}
