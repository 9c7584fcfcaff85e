/** Which organizations have background work: SECURITY DEFINER functions (migration 0002), no row content. */
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
