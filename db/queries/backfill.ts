/**
 * Vault token backfill rows (PF-101 WS4). A batch claims up to N legacy rows of one organization with
 * FOR UPDATE SKIP LOCKED (concurrent runs never take the same row; the locks hold until the batch
 * commits) and writes their outcomes in a few set-based statements. Rows only: sealing happens in the
 * service (worker/services/backfill.ts) through the vault store.
 */
import { and, asc, count, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import { ceCalendarConnections } from '../schema.ts';
import type { TenantTx } from '../tenant.ts';
import type { ConnectionRow } from './connections.ts';

export type BackfillFailureReason = 'empty_legacy_token' | 'malformed_legacy_token' | 'vault_write_failed';
/** A legacy row with neither token: nothing to move. Recorded on the row so the status counts it. */
export const NOTHING_TO_MIGRATE = 'no_legacy_tokens';

/**
 * Claims up to `limit` legacy rows, locked for this transaction. Rows whose last attempt failed come
 * last, so a bad row never starves the others.
 */
export async function claimLegacyConnections(tx: TenantTx, limit: number): Promise<ConnectionRow[]> {
  return tx
    .select()
    .from(ceCalendarConnections)
    .where(eq(ceCalendarConnections.migrationRequired, true))
    .orderBy(sql`${ceCalendarConnections.migrationErrorCode} is not null`, asc(ceCalendarConnections.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export interface MigratedLink {
  id: string;
  accessTokenCredentialId: string | null;
  refreshTokenCredentialId: string | null;
}

/** Links the vault rows, clears the plaintext columns and marks the rows migrated: one UPDATE. */
export async function markConnectionsMigrated(tx: TenantTx, links: MigratedLink[]): Promise<void> {
  if (links.length === 0) return;
  const values = sql.join(
    links.map(
      (link) =>
        sql`(${link.id}::uuid, ${link.accessTokenCredentialId}::uuid, ${link.refreshTokenCredentialId}::uuid)`,
    ),
    sql`, `,
  );
  await tx.execute(sql`
    update ce_calendar_connections as c
       set access_token_credential_id = v.access_id,
           refresh_token_credential_id = v.refresh_id,
           access_token_encrypted = null,
           refresh_token_encrypted = null,
           migration_required = false,
           migrated_at = now(),
           migration_error_code = null,
           updated_at = now()
      from (values ${values}) as v(id, access_id, refresh_id)
     where c.id = v.id`);
}

/** Records why rows failed; they stay `migration_required` and sort last next time. One UPDATE. */
export async function recordMigrationFailures(
  tx: TenantTx,
  failures: Array<{ id: string; reason: BackfillFailureReason }>,
): Promise<void> {
  if (failures.length === 0) return;
  const values = sql.join(
    failures.map((f) => sql`(${f.id}::uuid, ${f.reason}::text)`),
    sql`, `,
  );
  await tx.execute(sql`
    update ce_calendar_connections as c
       set migration_error_code = v.reason
      from (values ${values}) as v(id, reason)
     where c.id = v.id and c.migration_required`);
}

/**
 * Rows with neither legacy token leave the queue with the recorded outcome `no_legacy_tokens`. One
 * that has no vault credential either cannot sync, so it also asks its owner to reconnect.
 */
export async function markNothingToMigrate(tx: TenantTx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx
    .update(ceCalendarConnections)
    .set({
      migrationRequired: false,
      migratedAt: sql`now()`,
      migrationErrorCode: NOTHING_TO_MIGRATE,
      syncStatus: sql`case when ${ceCalendarConnections.accessTokenCredentialId} is null
        and ${ceCalendarConnections.refreshTokenCredentialId} is null
        then 'reconnect_required' else ${ceCalendarConnections.syncStatus} end`,
      updatedAt: sql`now()`,
    })
    .where(and(inArray(ceCalendarConnections.id, ids), eq(ceCalendarConnections.migrationRequired, true)));
}

export interface BackfillCounts {
  pending: number;
  failed: number;
  nothing_to_migrate: number;
}

export async function backfillCounts(tx: TenantTx): Promise<BackfillCounts> {
  const [row] = await tx
    .select({
      pending: count(sql`case when ${ceCalendarConnections.migrationRequired} then 1 end`),
      failed: count(
        sql`case when ${ceCalendarConnections.migrationRequired} and ${ceCalendarConnections.migrationErrorCode} is not null then 1 end`,
      ),
      nothingToMigrate: count(
        sql`case when not ${ceCalendarConnections.migrationRequired} and ${ceCalendarConnections.migrationErrorCode} = ${NOTHING_TO_MIGRATE} then 1 end`,
      ),
    })
    .from(ceCalendarConnections)
    .where(
      sql`${ceCalendarConnections.migrationRequired} or ${isNotNull(ceCalendarConnections.migrationErrorCode)}`,
    );
  return {
    pending: row?.pending ?? 0,
    failed: row?.failed ?? 0,
    nothing_to_migrate: row?.nothingToMigrate ?? 0,
  };
}
