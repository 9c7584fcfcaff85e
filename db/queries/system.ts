/** Which organizations have background work: SECURITY DEFINER functions (db/functions/jobs.sql), no row content. */
import { sql } from 'drizzle-orm';
import type { SystemTx } from '../tenant.ts';

export async function backfillPendingOrganizations(tx: SystemTx): Promise<string[]> {
  const result = await tx.execute(sql`select ce_backfill_pending_organizations() as organization_id`);
  return result.rows.map((r) => String(r.organization_id));
}

export async function vaultRotationOrganizations(tx: SystemTx, currentVersion: number): Promise<string[]> {
  const result = await tx.execute(
    sql`select ce_vault_rotation_organizations(${currentVersion}) as organization_id`,
  );
  return result.rows.map((r) => String(r.organization_id));
}

/** Deletes OAuth states expired for longer than the grace period (db/functions/jobs.sql); returns the count. */
export async function purgeExpiredOAuthStates(tx: SystemTx): Promise<number> {
  const result = await tx.execute(sql`select ce_purge_expired_oauth_states() as removed`);
  return Number(result.rows[0]?.removed ?? 0);
}
