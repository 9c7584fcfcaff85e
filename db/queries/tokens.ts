/**
 * The token read/write path of a connection. Vault first; the legacy plaintext columns are read only
 * while `migration_required` is true, and a refresh of such a row moves it into the vault on the spot.
 */
import { eq, sql } from 'drizzle-orm';
import type { TokenSet } from '../../worker/providers/oauth.ts';
import type { VaultKeyring } from '../../worker/vault/keys.ts';
import { ceCalendarConnections } from '../schema.ts';
import type { TenantTx } from '../tenant.ts';
import type { ConnectionRow } from './connections.ts';
import { readCredential, replaceCredential, storeCredential } from './credentials.ts';

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
  const [connection] = await tx
    .select()
    .from(ceCalendarConnections)
    .where(eq(ceCalendarConnections.id, connectionId))
    .limit(1);
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
  const [connection] = await tx
    .select()
    .from(ceCalendarConnections)
    .where(eq(ceCalendarConnections.id, connectionId))
    .limit(1)
    .for('update');
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
  await tx
    .update(ceCalendarConnections)
    .set({
      accessTokenCredentialId: accessId,
      refreshTokenCredentialId: refreshId,
      tokenExpiresAt: tokens.expiresAt,
      // A legacy row is migrated as a side effect of its first refresh.
      ...(connection.migrationRequired
        ? {
            accessTokenEncrypted: null,
            refreshTokenEncrypted: null,
            migrationRequired: false,
            migratedAt: sql`now()`,
          }
        : {}),
      updatedAt: sql`now()`,
    })
    .where(eq(ceCalendarConnections.id, connectionId));
  return true;
}
