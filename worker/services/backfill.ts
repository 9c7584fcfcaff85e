/**
 * The vault backfill as the endpoint and the Cron Trigger run it: batches of at most 25 connections.
 * One transaction per organization's share of a batch, under that organization's backfill claims:
 * claim the rows (FOR UPDATE SKIP LOCKED), check every legacy value, seal, then write all good rows
 * with one INSERT and one UPDATE inside a savepoint. If that write fails, the rows are written again
 * one savepoint each, so a failing row rolls back only itself and never touches the others. A handful
 * of round trips per batch instead of several per row; exactly-once still rests on the row locks.
 */
import {
  type BackfillCounts,
  type BackfillFailureReason,
  backfillCounts,
  claimLegacyConnections,
  type MigratedLink,
  markConnectionsMigrated,
  markNothingToMigrate,
  NOTHING_TO_MIGRATE,
  recordMigrationFailures,
} from '../../db/queries/backfill.ts';
import type { ConnectionRow } from '../../db/queries/connections.ts';
import type { NewCredentialRow } from '../../db/queries/credentials.ts';
import { backfillPendingOrganizations } from '../../db/queries/system.ts';
import { type Database, type DatabaseClaims, SYSTEM_USER_ID, type TenantTx } from '../../db/tenant.ts';
import { describeError, log } from '../log.ts';
import type { VaultKeyring } from '../vault/keys.ts';
import { insertCredentials, sealCredentials } from '../vault/store.ts';

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
  /** Rows with neither legacy token: left the queue as `no_legacy_tokens` (see `skipped`). */
  nothing_to_migrate: number;
  pending: number;
  failures: Array<{ connection_id: string; reason: BackfillFailureReason }>;
  skipped: Array<{ connection_id: string; reason: typeof NOTHING_TO_MIGRATE }>;
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

/** What one claimed row needs: its sealed credentials and links, a failure, or nothing at all. */
type RowPlan =
  | { kind: 'move'; row: ConnectionRow; credentials: NewCredentialRow[]; link: MigratedLink }
  | { kind: 'fail'; row: ConnectionRow; reason: BackfillFailureReason }
  | { kind: 'nothing'; row: ConnectionRow };

async function planRow(keyring: VaultKeyring, row: ConnectionRow): Promise<RowPlan> {
  let access: string | undefined;
  let refresh: string | undefined;
  try {
    access = checkLegacyValue(row.accessTokenEncrypted);
    refresh = checkLegacyValue(row.refreshTokenEncrypted);
  } catch (error) {
    if (error instanceof LegacyTokenError) return { kind: 'fail', row, reason: error.reason };
    throw error;
  }
  if (access === undefined && refresh === undefined) return { kind: 'nothing', row };
  const credentials = await sealCredentials(keyring, row.organizationId, [
    ...(access ? [{ kind: 'oauth_access_token' as const, plaintext: access }] : []),
    ...(refresh ? [{ kind: 'oauth_refresh_token' as const, plaintext: refresh }] : []),
  ]);
  const idOf = (kind: NewCredentialRow['kind']) => credentials.find((c) => c.kind === kind)?.id;
  return {
    kind: 'move',
    row,
    credentials,
    link: {
      id: row.id,
      accessTokenCredentialId: access ? (idOf('oauth_access_token') ?? null) : row.accessTokenCredentialId,
      refreshTokenCredentialId: refresh
        ? (idOf('oauth_refresh_token') ?? null)
        : row.refreshTokenCredentialId,
    },
  };
}

interface OrganizationOutcome {
  migrated: string[];
  failures: Array<{ id: string; reason: BackfillFailureReason; error?: unknown }>;
  nothing: string[];
}

/** Writes the moving rows together; on any failure, again one savepoint per row. */
async function writeMoves(
  tx: TenantTx,
  moves: Array<Extract<RowPlan, { kind: 'move' }>>,
  outcome: OrganizationOutcome,
): Promise<void> {
  if (moves.length === 0) return;
  try {
    await tx.transaction(async (savepoint) => {
      await insertCredentials(
        savepoint,
        moves.flatMap((m) => m.credentials),
      );
      await markConnectionsMigrated(
        savepoint,
        moves.map((m) => m.link),
      );
    });
    outcome.migrated.push(...moves.map((m) => m.row.id));
    return;
  } catch {
    // Some row's write failed; find which without letting it touch the others.
  }
  for (const move of moves) {
    try {
      await tx.transaction(async (savepoint) => {
        await insertCredentials(savepoint, move.credentials);
        await markConnectionsMigrated(savepoint, [move.link]);
      });
      outcome.migrated.push(move.row.id);
    } catch (error) {
      outcome.failures.push({ id: move.row.id, reason: 'vault_write_failed', error });
    }
  }
}

/** One organization's share of a batch, in one transaction. */
async function migrateOrganization(
  tx: TenantTx,
  keyring: VaultKeyring,
  limit: number,
): Promise<OrganizationOutcome> {
  const rows = await claimLegacyConnections(tx, limit);
  const plans = await Promise.all(rows.map((row) => planRow(keyring, row)));
  const outcome: OrganizationOutcome = { migrated: [], failures: [], nothing: [] };
  for (const plan of plans) {
    if (plan.kind === 'fail') outcome.failures.push({ id: plan.row.id, reason: plan.reason });
    if (plan.kind === 'nothing') outcome.nothing.push(plan.row.id);
  }
  await writeMoves(
    tx,
    plans.filter((p): p is Extract<RowPlan, { kind: 'move' }> => p.kind === 'move'),
    outcome,
  );
  await recordMigrationFailures(tx, outcome.failures);
  await markNothingToMigrate(tx, outcome.nothing);
  return outcome;
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
    nothing_to_migrate: 0,
    pending: 0,
    failures: [],
    skipped: [],
  };
  for (const organizationId of organizations) {
    const remaining = limit - (result.migrated + result.failed + result.nothing_to_migrate);
    if (remaining <= 0) break;
    const outcome = await database.asTenant(backfillClaims(organizationId), (tx) =>
      migrateOrganization(tx, keyring, remaining),
    );
    result.migrated += outcome.migrated.length;
    result.failed += outcome.failures.length;
    result.nothing_to_migrate += outcome.nothing.length;
    for (const failure of outcome.failures) {
      result.failures.push({ connection_id: failure.id, reason: failure.reason });
      log('warn', 'vault backfill row failed', {
        correlationId,
        connection_id: failure.id,
        reason: failure.reason,
        ...(failure.error === undefined ? {} : describeError(failure.error)),
      });
    }
    for (const id of outcome.nothing) result.skipped.push({ connection_id: id, reason: NOTHING_TO_MIGRATE });
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
    nothing_to_migrate: result.nothing_to_migrate,
    pending: result.pending,
    duration_ms: Date.now() - started,
  });
  return result;
}

export async function backfillStatus(database: Database, organizationId: string): Promise<BackfillCounts> {
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
): Promise<{ batches: number; migrated: number; failed: number; nothing_to_migrate: number }> {
  const deadline = Date.now() + budgetMs;
  const totals = { batches: 0, migrated: 0, failed: 0, nothing_to_migrate: 0 };
  while (Date.now() < deadline) {
    const organizations = await pendingOrganizations(database);
    if (organizations.length === 0) break;
    const batch = await runBackfillBatch(database, keyring, organizations, crypto.randomUUID());
    totals.batches += 1;
    totals.migrated += batch.migrated;
    totals.failed += batch.failed;
    totals.nothing_to_migrate += batch.nothing_to_migrate;
    if (batch.migrated + batch.nothing_to_migrate === 0) break; // only failing rows left
  }
  return totals;
}
