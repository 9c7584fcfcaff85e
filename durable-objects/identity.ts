/** Who a connection object acts for: stored once by `attach`, never taken from a caller afterwards. */
import type { DatabaseClaims, DatabaseConfig } from '../db/tenant.ts';
import type { Provider, ProviderConfig } from '../worker/providers/index.ts';

export interface ConnectionIdentity {
  connectionId: string;
  organizationId: string;
  userId: string;
  provider: Provider;
}

/** The configuration the object reads (a subset of the worker's Env, so objects never import it). */
export interface ObjectEnv extends DatabaseConfig, ProviderConfig {
  CREDENTIAL_VAULT_KEYS?: string;
  /** Public origin providers deliver push notifications to; unset = no push, polling only (issue 16). */
  WEBHOOK_BASE_URL?: string;
}

/** RLS claims of the connection's owner: the object acts for that user within that organization. */
export const claimsOf = (identity: ConnectionIdentity): DatabaseClaims => ({
  sub: identity.userId,
  org_id: identity.organizationId,
  roles: [],
  permissions: [],
});
