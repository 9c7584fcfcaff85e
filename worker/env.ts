/**
 * Bindings, vars and secrets of the worker (wrangler.toml + .dev.vars.example list them all) and the
 * per-request variables Hono carries.
 */

import type { RequestDatabase } from '../db/tenant.ts';
import type { CalendarConnection } from '../durable-objects/calendar-connection.ts';
import type { TenantClaims } from './middleware/auth.ts';

export interface Env {
  CALENDAR_CONNECTION: DurableObjectNamespace<CalendarConnection>;
  ASSETS?: Fetcher;
  /** Postgres URL of the worker's login role (not the table owner). Secret. */
  DATABASE_URL: string;
  /** Local only: `host:port` of the WebSocket→TCP proxy in front of a local Postgres. */
  DB_WS_PROXY?: string;
  AUTH_JWT_SECRET?: string;
  AUTH_JWKS_URL?: string;
  AUTH_JWT_AUDIENCE?: string;
  AUTH_JWT_ISSUER?: string;
  CREDENTIAL_VAULT_KEYS?: string;
  GOOGLE_CALENDAR_CLIENT_ID?: string;
  GOOGLE_CALENDAR_CLIENT_SECRET?: string;
  MICROSOFT_CALENDAR_CLIENT_ID?: string;
  MICROSOFT_CALENDAR_CLIENT_SECRET?: string;
  GOOGLE_ACCOUNTS_BASE_URL?: string;
  GOOGLE_OAUTH_BASE_URL?: string;
  GOOGLE_API_BASE_URL?: string;
  MICROSOFT_LOGIN_BASE_URL?: string;
  MICROSOFT_GRAPH_BASE_URL?: string;
  PUBLIC_BASE_URL?: string;
}

export interface AppVariables {
  correlationId: string;
  claims: TenantClaims;
  db: RequestDatabase;
}

export interface AppEnv {
  Bindings: Env;
  Variables: AppVariables;
}
