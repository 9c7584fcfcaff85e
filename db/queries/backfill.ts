/**
 * Vault token backfill, one connection per transaction (PF-101 WS4): claim a legacy row with
 * FOR UPDATE SKIP LOCKED (concurrent runs never take the same row), move every present plaintext
 * token into the vault, link it, clear the column, mark the row migrated. A failure rolls the whole
 * row back (no orphan credential) and the row stays `migration_required`.
 */
import { and, asc, count, eq, isNotNull, notInArray, sql } from 'drizzle-orm';
import type { VaultKeyring } from '../../worker/vault/keys.ts';
import { ceCalendarConnections } from '../schema.ts';
import type { TenantTx } from '../tenant.ts';
import { storeCredentials } from './credentials.ts';

export type BackfillFailureReason = 'empty_legacy_token' | 'malformed_legacy_token' | 'vault_write_failed';

export class LegacyTokenError extends Error {
  constructor(readonly reason: BackfillFailureReason) {
    super(reason);
  }
}

/** A legacy value we are willing to move: printable ASCII without spaces, bounded. */
function checkLegacyValue(value: string | null): string | undefined {
  if (value === null) return undefined;
  if (value.trim() === '') throw new LegacyTokenError('empty_legacy_token');
  if (value.length > 8192 || !/^[\x21-\x7e]+$/.test(value))
    throw new LegacyTokenError('malformed_legacy_token');
  return value;
}

export type RowOutcome =
  | { kind: 'none' }
  | { kind: 'migrated'; connectionId: string }
  | { kind: 'failed'; connectionId: string; reason: BackfillFailureReason };

/**
 * Claims and migrates one row not in `skip`. Rows whose last attempt failed come last, so a bad row
 * never starves the others. Throws LegacyTokenError (with the claimed id in `claimedId`) on a bad row.
 */
export async function migrateOneConnection(
  tx: TenantTx,
  keyring: VaultKeyring,
  skip: string[],
  onClaim: (id: string) => void,
): Promise<string | undefined> {
  const [row] = await tx
    .select()
    .from(ceCalendarConnections)
    .where(
      and(
        eq(ceCalendarConnections.migrationRequired, true),
        skip.length ? notInArray(ceCalendarConnections.id, skip) : undefined,
      ),
    )
    .orderBy(sql`${ceCalendarConnections.migrationErrorCode} is not null`, asc(ceCalendarConnections.id))
    .limit(1)
    .for('update', { skipLocked: true });
  if (!row) return undefined;
  onClaim(row.id);
  const access = checkLegacyValue(row.accessTokenEncrypted);
  const refresh = checkLegacyValue(row.refreshTokenEncrypted);
  const org = row.organizationId;
  const moving = [
    ...(access ? [{ kind: 'oauth_access_token' as const, plaintext: access }] : []),
    ...(refresh ? [{ kind: 'oauth_refresh_token' as const, plaintext: refresh }] : []),
  ];
  const ids = await storeCredentials(tx, keyring, org, moving);
  const accessId = access ? ids[0] : row.accessTokenCredentialId;
  const refreshId = refresh ? ids[access ? 1 : 0] : row.refreshTokenCredentialId;
  await tx
    .update(ceCalendarConnections)
    .set({
      accessTokenCredentialId: accessId,
      refreshTokenCredentialId: refreshId,
      accessTokenEncrypted: null,
      refreshTokenEncrypted: null,
      migrationRequired: false,
      migratedAt: sql`now()`,
      migrationErrorCode: null,
      updatedAt: sql`now()`,
    })
    .where(eq(ceCalendarConnections.id, row.id));
  return row.id;
}

export async function recordMigrationFailure(
  tx: TenantTx,
  connectionId: string,
  reason: BackfillFailureReason,
): Promise<void> {
  await tx
    .update(ceCalendarConnections)
    .set({ migrationErrorCode: reason })
    .where(
      and(eq(ceCalendarConnections.id, connectionId), eq(ceCalendarConnections.migrationRequired, true)),
    );
}

export async function backfillCounts(tx: TenantTx): Promise<{ pending: number; failed: number }> {
  const [pending] = await tx
    .select({ n: count() })
    .from(ceCalendarConnections)
    .where(eq(ceCalendarConnections.migrationRequired, true));
  const [failed] = await tx
    .select({ n: count() })
    .from(ceCalendarConnections)
    .where(
      and(
        eq(ceCalendarConnections.migrationRequired, true),
        isNotNull(ceCalendarConnections.migrationErrorCode),
      ),
    );
  return { pending: pending?.n ?? 0, failed: failed?.n ?? 0 };
}
