/**
 * The token read/write path of a connection, used only by its Durable Object. Vault first; the
 * legacy plaintext columns are read only while `migration_required` is true, and a refresh of such a
 * row moves it into the vault on the spot.
 */
import {
  type ConnectionRow,
  findVisibleConnection,
  lockConnection,
  setConnectionTokens,
} from '../db/queries/connections.ts';
import type { TenantTx } from '../db/tenant.ts';
import type { TokenSet } from '../worker/providers/types.ts';
import type { VaultKeyring } from '../worker/vault/keys.ts';
import { readCredential, replaceCredential, storeCredential } from '../worker/vault/store.ts';

export interface StoredTokens {
  connection: ConnectionRow;
  accessToken?: string;
  refreshToken?: string;
}

/** `withRefresh: false` skips the refresh token (the caller already holds a newer one). */
export async function readConnectionTokens(
  tx: TenantTx,
  keyring: VaultKeyring,
  connectionId: string,
  withRefresh = true,
): Promise<StoredTokens | undefined> {
  const connection = await findVisibleConnection(tx, connectionId);
  if (!connection) return undefined;
  const legacy = connection.migrationRequired;
  const accessToken = connection.accessTokenCredentialId
    ? await readCredential(tx, keyring, connection.accessTokenCredentialId)
    : legacy
      ? (connection.accessTokenEncrypted ?? undefined)
      : undefined;
  const refreshToken = !withRefresh
    ? undefined
    : connection.refreshTokenCredentialId
      ? await readCredential(tx, keyring, connection.refreshTokenCredentialId)
      : legacy
        ? (connection.refreshTokenEncrypted ?? undefined)
        : undefined;
  return { connection, ...(accessToken ? { accessToken } : {}), ...(refreshToken ? { refreshToken } : {}) };
}

/** Stores a refresh result under a row lock; returns false when the connection is gone. */
export async function persistRefreshedTokens(
  tx: TenantTx,
  keyring: VaultKeyring,
  connectionId: string,
  tokens: TokenSet,
): Promise<boolean> {
  const connection = await lockConnection(tx, connectionId);
  if (!connection) return false;
  const org = connection.organizationId;
  let accessId = connection.accessTokenCredentialId;
  if (accessId) await replaceCredential(tx, keyring, accessId, org, 'oauth_access_token', tokens.accessToken);
  else accessId = await storeCredential(tx, keyring, org, 'oauth_access_token', tokens.accessToken);
  let refreshId = connection.refreshTokenCredentialId;
  const refreshPlaintext =
    tokens.refreshToken ?? (refreshId ? undefined : (connection.refreshTokenEncrypted ?? undefined));
  if (refreshPlaintext) {
    if (refreshId)
      await replaceCredential(tx, keyring, refreshId, org, 'oauth_refresh_token', refreshPlaintext);
    else refreshId = await storeCredential(tx, keyring, org, 'oauth_refresh_token', refreshPlaintext);
  }
  await setConnectionTokens(tx, connectionId, {
    accessTokenCredentialId: accessId,
    refreshTokenCredentialId: refreshId,
    tokenExpiresAt: tokens.expiresAt,
    clearLegacy: connection.migrationRequired,
  });
  return true;
}
