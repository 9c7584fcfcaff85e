/**
 * Which OAuth client a connection uses: the organization's own client (PF-104, where the provider
 * allows one) when one is active at connect time, otherwise the platform client; a connection keeps
 * the client it was made with (its gws_connection_id), even after the organization changes or
 * removes its client. Lives next to the vault store because the organization's secret is a vault row.
 */
import {
  activeGwsConnection,
  type GwsConnectionRow,
  gwsConnectionById,
  replaceActiveGwsConnection,
} from '../../db/queries/gws-connections.ts';
import type { TenantTx } from '../../db/tenant.ts';
import { ProviderError } from '../providers/errors.ts';
import type { CalendarProvider, OAuthClientCredentials } from '../providers/types.ts';
import type { VaultKeyring } from './keys.ts';
import { readCredential, storeCredential } from './store.ts';

export interface ResolvedClient {
  credentials: OAuthClientCredentials;
  gwsConnectionId: string | null;
}

/** A missing platform client is our configuration problem (503), not the provider's (502). */
function platform(provider: CalendarProvider): ResolvedClient {
  const credentials = provider.platformClient();
  if (!credentials)
    throw new ProviderError('not_configured', `the platform ${provider.name} OAuth client is not configured`);
  return { credentials, gwsConnectionId: null };
}

/** For a new connection. */
export async function clientForNewConnection(
  tx: TenantTx,
  keyring: VaultKeyring,
  provider: CalendarProvider,
): Promise<ResolvedClient> {
  if (provider.supportsOrganizationClient) {
    const gws = await activeGwsConnection(tx);
    if (gws) return clientOfGws(tx, keyring, gws.id);
  }
  return platform(provider);
}

/** For an existing connection (refresh, revoke) or a pending OAuth state. */
export async function clientForConnection(
  tx: TenantTx,
  keyring: VaultKeyring,
  provider: CalendarProvider,
  gwsConnectionId: string | null,
): Promise<ResolvedClient> {
  return provider.supportsOrganizationClient && gwsConnectionId
    ? clientOfGws(tx, keyring, gwsConnectionId)
    : platform(provider);
}

async function clientOfGws(tx: TenantTx, keyring: VaultKeyring, id: string): Promise<ResolvedClient> {
  const gws = await gwsConnectionById(tx, id);
  const secret = gws ? await readCredential(tx, keyring, gws.oauthClientSecretCredentialId) : undefined;
  if (!gws || !secret)
    throw new ProviderError('invalid_client', "the organization's Google OAuth client is missing");
  return { credentials: { clientId: gws.oauthClientId, clientSecret: secret }, gwsConnectionId: gws.id };
}

/** Saves an organization's own client: the secret into the vault, the active row pointing at it. */
export async function saveOrganizationClient(
  tx: TenantTx,
  keyring: VaultKeyring,
  organizationId: string,
  clientId: string,
  clientSecret: string,
): Promise<GwsConnectionRow> {
  const secretId = await storeCredential(tx, keyring, organizationId, 'oauth_client_secret', clientSecret);
  return replaceActiveGwsConnection(tx, organizationId, clientId, secretId);
}
