/**
 * Bindings, vars and secrets of the worker (wrangler.toml + .dev.vars.example list them all), the
 * per-request variables Hono carries, and the `RequestScope` services take instead of long
 * positional parameter lists.
 *
 * A leaf of the import graph on purpose: it imports only types from the layers below (db, providers,
 * the Durable Object), and none of them import it.
 */
import type { Database, DatabaseClaims, DatabaseConfig } from '../db/tenant.ts';
import type { CalendarConnection } from '../durable-objects/calendar-connection.ts';
import type { ProviderConfig } from './providers/types.ts';

export interface Env extends DatabaseConfig, ProviderConfig {
  CALENDAR_CONNECTION: DurableObjectNamespace<CalendarConnection>;
  ASSETS?: Fetcher;
  AUTH_JWT_SECRET?: string;
  AUTH_JWKS_URL?: string;
  AUTH_JWT_AUDIENCE?: string;
  AUTH_JWT_ISSUER?: string;
  /** Seconds of clock difference tolerated on `exp`, `nbf` and a future `iat` (default 60). */
  AUTH_JWT_CLOCK_SKEW_SECONDS?: string;
  /** Longest accepted session token lifetime, `exp - iat`, in seconds (default 86400). */
  AUTH_JWT_MAX_LIFETIME_SECONDS?: string;
  CREDENTIAL_VAULT_KEYS?: string;
  PUBLIC_BASE_URL?: string;
  /** Public origin providers deliver push notifications to (usually PUBLIC_BASE_URL); unset = polling only. */
  WEBHOOK_BASE_URL?: string;
  /** Comma-separated CE web origins allowed by CORS (middleware/cors.ts). */
  CE_WEB_ORIGINS?: string;
}

/** A verified CE session's claims (middleware/auth.ts). */
export type TenantClaims = DatabaseClaims & { email?: string };

export interface AppVariables {
  correlationId: string;
  claims: TenantClaims;
  db: Database;
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}

/** What a use case needs from its request: configuration, the database, who asks, and the log key. */
export interface RequestScope {
  env: Env;
  db: Database;
  claims: TenantClaims;
  correlationId: string;
}

/** The scope of a Hono request (after `requireAuth`). */
export const scopeOf = (c: { env: Env; var: AppVariables }): RequestScope => ({
  env: c.env,
  db: c.var.db,
  claims: c.var.claims,
  correlationId: c.var.correlationId,
});
