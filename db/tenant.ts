/**
 * The only way the app touches Postgres: `Database.asTenant(claims, fn)`. Every query runs inside a transaction that first switches
 * to the non-owner role `ce_app` and sets the JWT claims the RLS policies read — for user requests
 * and for background work alike (background work passes the claims of the organization and user it
 * acts for), so a bug in route code still cannot cross a tenant boundary.
 *
 * Driver: `@neondatabase/serverless` Pool over WebSocket (interactive transactions need it) with
 * drizzle's `neon-serverless` adapter. A Pool lives for one request: Workers cannot share sockets
 * between requests.
 */
import { neonConfig, Pool } from '@neondatabase/serverless';
import { sql } from 'drizzle-orm';
import { drizzle, type NeonDatabase } from 'drizzle-orm/neon-serverless';
import * as schema from './schema.ts';

export const APP_DB_ROLE = 'ce_app';

/** Claims as the SQL helpers `auth.uid()`, `auth.org_id()`, `auth.has_permission()` read them. */
export interface DatabaseClaims {
  sub: string;
  org_id: string;
  roles: readonly string[];
  permissions: readonly string[];
}

/** The nil uuid: background jobs act as no user, only as an organization. */
export const SYSTEM_USER_ID = '00000000-0000-0000-0000-000000000000';

/** Claims for background work of one organization (vault rotation, backfill). */
export const systemClaims = (organizationId: string): DatabaseClaims => ({
  sub: SYSTEM_USER_ID,
  org_id: organizationId,
  roles: [],
  permissions: [],
});

type DrizzleDatabase = NeonDatabase<typeof schema>;
export type TenantTx = Parameters<Parameters<DrizzleDatabase['transaction']>[0]>[0];
/** A transaction as `ce_app` with no claims: RLS shows it no row, only SECURITY DEFINER functions answer. */
export type SystemTx = Pick<TenantTx, 'execute'>;

export interface DatabaseConfig {
  DATABASE_URL: string;
  /** `host:port` of the local WebSocket→TCP proxy; unset in production (Neon's own proxy). */
  DB_WS_PROXY?: string;
}

/** Points the neon driver at the local proxy when DB_WS_PROXY is set (no-op in production). */
export function configureDriver(config: DatabaseConfig): void {
  const proxy = config.DB_WS_PROXY;
  if (proxy) {
    neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`;
    neonConfig.useSecureWebSocket = false;
    neonConfig.pipelineTLS = false;
    neonConfig.pipelineConnect = false;
  }
}

/**
 * A lazily opened pool for one request or one background job; `close()` must be called (or waited
 * on). There is no public raw handle: every statement runs in `asTenant` (RLS with the given claims)
 * or, for the organization-listing functions only, in `asSystem`.
 */
export class Database {
  #pool: Pool | undefined;
  #db: DrizzleDatabase | undefined;

  constructor(private readonly config: DatabaseConfig) {}

  #open(): DrizzleDatabase {
    if (!this.#db) {
      configureDriver(this.config);
      const pool = new Pool({ connectionString: this.config.DATABASE_URL, max: 8 });
      // workerd reports "Network connection lost" after the socket closes; that is expected here.
      pool.on('error', () => undefined);
      pool.on('connect', (client: { on(event: 'error', listener: () => void): unknown }) => {
        client.on('error', () => undefined);
      });
      this.#pool = pool;
      this.#db = drizzle(pool, { schema });
    }
    return this.#db;
  }

  /** Runs `work` in one transaction as `ce_app` with `claims` (SET LOCAL semantics: reset at commit). */
  async asTenant<T>(claims: DatabaseClaims, work: (tx: TenantTx) => Promise<T>): Promise<T> {
    return this.#open().transaction(async (tx) => {
      // set_config('role', …, true) is SET LOCAL ROLE (PostgREST uses the same form); doing both
      // settings in one statement saves a round trip per request.
      await tx.execute(
        sql`select set_config('role', ${APP_DB_ROLE}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`,
      );
      return work(tx);
    });
  }

  /**
   * Runs `work` as `ce_app` without claims, for the SECURITY DEFINER functions that list which
   * organizations have background work (db/queries/system.ts). RLS hides every row from it.
   */
  async asSystem<T>(work: (tx: SystemTx) => Promise<T>): Promise<T> {
    return this.#open().transaction(async (tx) => {
      await tx.execute(sql`select set_config('role', ${APP_DB_ROLE}, true)`);
      return work(tx);
    });
  }

  async close(): Promise<void> {
    const pool = this.#pool;
    this.#pool = undefined;
    this.#db = undefined;
    if (pool) await pool.end().catch(() => undefined);
  }
}
