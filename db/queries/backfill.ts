/**
 * Vault token backfill rows (PF-101 WS4): claim a legacy row with FOR UPDATE SKIP LOCKED (concurrent
 * runs never take the same row) and mark it migrated once its tokens are vault rows. Rows only: the
 * sealing happens in the service (worker/services/backfill.ts) through the vault store.
 */
import { and, asc, count, eq, isNotNull, notInArray, sql } from 'drizzle-orm';
import { ceCalendarConnections } from '../schema.ts';
import type { TenantTx } from '../tenant.ts';
import type { ConnectionRow } from './connections.ts';

export type BackfillFailureReason = 'empty_legacy_token' | 'malformed_legacy_token' | 'vault_write_failed';

/**
 * Claims one legacy row not in `skip`, locked for this transaction. Rows whose last attempt failed
 * come last, so a bad row never starves the others.
 */
export async function claimLegacyConnection(
  tx: TenantTx,
  skip: string[],
): Promise<ConnectionRow | undefined> {
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
  return row;
}

/** Links the vault rows, clears the plaintext columns and marks the row migrated. */
export async function markConnectionMigrated(
  tx: TenantTx,
  id: string,
  accessTokenCredentialId: string | null,
  refreshTokenCredentialId: string | null,
): Promise<void> {
  await tx
    .update(ceCalendarConnections)
    .set({
      accessTokenCredentialId,
      refreshTokenCredentialId,
      accessTokenEncrypted: null,
      refreshTokenEncrypted: null,
      migrationRequired: false,
      migratedAt: sql`now()`,
      migrationErrorCode: null,
      updatedAt: sql`now()`,
    })
    .where(eq(ceCalendarConnections.id, id));
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
