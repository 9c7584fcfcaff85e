/**
 * The vault backfill as the endpoint and the Cron Trigger run it: batches of at most 25 connections,
 * each row in its own transaction under the organization's backfill claims, one log line per batch.
 */
import {
  type BackfillFailureReason,
  backfillCounts,
  claimLegacyConnection,
  markConnectionMigrated,
  recordMigrationFailure,
} from '../../db/queries/backfill.ts';
import { backfillPendingOrganizations } from '../../db/queries/system.ts';
import { type Database, type DatabaseClaims, SYSTEM_USER_ID, type TenantTx } from '../../db/tenant.ts';
import { describeError, log } from '../log.ts';
import type { VaultKeyring } from '../vault/keys.ts';
import { storeCredentials } from '../vault/store.ts';

export const BACKFILL_BATCH_SIZE = 25;

/** Server-made claims: the `job` claim is never copied from a user's JWT (see migration 0004). */
export const backfillClaims = (organizationId: string): DatabaseClaims & { job: 'vault_backfill' } => ({
  sub: SYSTEM_USER_ID,
  org_id: organizationId,
  roles: [],
  permissions: [],
  job: 'vault_backfill',
});

export interface BatchResult {
  correlation_id: string;
  migrated: number;
  failed: number;
  pending: number;
  failures: Array<{ connection_id: string; reason: BackfillFailureReason }>;
}

export async function pendingOrganizations(database: Database): Promise<string[]> {
  return database.asSystem((tx) => backfillPendingOrganizations(tx));
}

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

/**
 * Claims and migrates one row not in `skip`: every present plaintext token into the vault, linked,
 * columns cleared, row marked migrated. A failure rolls the whole row back (no orphan credential) and
 * the row stays `migration_required`; a bad value throws LegacyTokenError after `onClaim(id)`.
 */
export async function migrateOneConnection(
  tx: TenantTx,
  keyring: VaultKeyring,
  skip: string[],
  onClaim: (id: string) => void,
): Promise<string | undefined> {
  const row = await claimLegacyConnection(tx, skip);
  if (!row) return undefined;
  onClaim(row.id);
  const access = checkLegacyValue(row.accessTokenEncrypted);
  const refresh = checkLegacyValue(row.refreshTokenEncrypted);
  const moving = [
    ...(access ? [{ kind: 'oauth_access_token' as const, plaintext: access }] : []),
    ...(refresh ? [{ kind: 'oauth_refresh_token' as const, plaintext: refresh }] : []),
  ];
  const ids = await storeCredentials(tx, keyring, row.organizationId, moving);
  const accessId = access ? (ids[0] ?? null) : row.accessTokenCredentialId;
  const refreshId = refresh ? (ids[access ? 1 : 0] ?? null) : row.refreshTokenCredentialId;
  await markConnectionMigrated(tx, row.id, accessId, refreshId);
  return row.id;
}

/** One batch over `organizations` (in order) of at most `limit` rows. */
export async function runBackfillBatch(
  database: Database,
  keyring: VaultKeyring,
  organizations: string[],
  correlationId: string,
  limit = BACKFILL_BATCH_SIZE,
): Promise<BatchResult> {
  const started = Date.now();
  const result: BatchResult = {
    correlation_id: correlationId,
    migrated: 0,
    failed: 0,
    pending: 0,
    failures: [],
  };
  for (const organizationId of organizations) {
    const claims = backfillClaims(organizationId);
    const attempted: string[] = [];
    while (result.migrated + result.failed < limit) {
      let claimed: string | undefined;
      try {
        const migrated = await database.asTenant(claims, (tx) =>
          migrateOneConnection(tx, keyring, attempted, (id) => {
            claimed = id;
          }),
        );
        if (!migrated) break;
        attempted.push(migrated);
        result.migrated += 1;
      } catch (error) {
        if (!claimed) throw error; // not a row problem (database down…): let the caller see it
        const reason: BackfillFailureReason =
          error instanceof LegacyTokenError ? error.reason : 'vault_write_failed';
        attempted.push(claimed);
        result.failed += 1;
        result.failures.push({ connection_id: claimed, reason });
        const failedId = claimed;
        await database
          .asTenant(claims, (tx) => recordMigrationFailure(tx, failedId, reason))
          .catch(() => undefined);
        log('warn', 'vault backfill row failed', {
          correlationId,
          connection_id: failedId,
          reason,
          ...(error instanceof LegacyTokenError ? {} : describeError(error)),
        });
      }
    }
  }
  for (const organizationId of organizations) {
    result.pending += (
      await database.asTenant(backfillClaims(organizationId), (tx) => backfillCounts(tx))
    ).pending;
  }
  log('info', 'vault backfill batch', {
    correlationId,
    organizations: organizations.length,
    migrated: result.migrated,
    failed: result.failed,
    pending: result.pending,
    duration_ms: Date.now() - started,
  });
  return result;
}

export async function backfillStatus(
  database: Database,
  organizationId: string,
): Promise<{ pending: number; failed: number }> {
  return database.asTenant(backfillClaims(organizationId), (tx) => backfillCounts(tx));
}

/**
 * Cron: batches across all organizations until none remain or the time budget is spent; the next
 * run continues. Rows that failed in this run are not retried by it (they would fail again).
 */
export async function runBackfillCron(
  database: Database,
  keyring: VaultKeyring,
  budgetMs: number,
): Promise<{ batches: number; migrated: number; failed: number }> {
  const deadline = Date.now() + budgetMs;
  const totals = { batches: 0, migrated: 0, failed: 0 };
  while (Date.now() < deadline) {
    const organizations = await pendingOrganizations(database);
    if (organizations.length === 0) break;
    const batch = await runBackfillBatch(database, keyring, organizations, crypto.randomUUID());
    totals.batches += 1;
    totals.migrated += batch.migrated;
    totals.failed += batch.failed;
    if (batch.migrated === 0) break; // only failing rows left
  }
  return totals;
}
