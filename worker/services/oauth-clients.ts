/**
 * Which OAuth client a connection uses: the organization's own Google client (PF-104) when one is
 * active at connect time, otherwise the platform client; a connection keeps the client it was made
 * with (its gws_connection_id), even after the organization changes or removes its client.
 */
import { readCredential } from '../../db/queries/credentials.ts';
import { activeGwsConnection, gwsConnectionById } from '../../db/queries/gws-connections.ts';
import type { TenantTx } from '../../db/tenant.ts';
import type { Env } from '../env.ts';
import { type OAuthClientCredentials, type Provider, platformClient } from '../providers/endpoints.ts';
import { ProviderError } from '../providers/errors.ts';
import type { VaultKeyring } from '../vault/keys.ts';

export interface ResolvedClient {
  credentials: OAuthClientCredentials;
  gwsConnectionId: string | null;
}

function platform(env: Env, provider: Provider): ResolvedClient {
  const credentials = platformClient(env, provider);
  if (!credentials)
    throw new ProviderError('invalid_client', `the platform ${provider} OAuth client is not configured`);
  return { credentials, gwsConnectionId: null };
}

/** For a new connection. */
export async function clientForNewConnection(
  tx: TenantTx,
  env: Env,
  keyring: VaultKeyring,
  provider: Provider,
): Promise<ResolvedClient> {
  if (provider === 'google') {
    const gws = await activeGwsConnection(tx);
    if (gws) return clientOfGws(tx, keyring, gws.id);
  }
  return platform(env, provider);
}

/** For an existing connection (refresh, revoke) or a pending OAuth state. */
export async function clientForConnection(
  tx: TenantTx,
  env: Env,
  keyring: VaultKeyring,
  provider: Provider,
  gwsConnectionId: string | null,
): Promise<ResolvedClient> {
  return provider === 'google' && gwsConnectionId
    ? clientOfGws(tx, keyring, gwsConnectionId)
    : platform(env, provider);
}

async function clientOfGws(tx: TenantTx, keyring: VaultKeyring, id: string): Promise<ResolvedClient> {
  const gws = await gwsConnectionById(tx, id);
  const secret = gws ? await readCredential(tx, keyring, gws.oauthClientSecretCredentialId) : undefined;
  if (!gws || !secret)
    throw new ProviderError('invalid_client', "the organization's Google OAuth client is missing");
  return { credentials: { clientId: gws.oauthClientId, clientSecret: secret }, gwsConnectionId: gws.id };
}
