/** PF-104: the organization's own Google OAuth client; the secret lives in the vault. */
import { and, eq, sql } from 'drizzle-orm';
import { pfGwsConnections } from '../schema.ts';
import type { TenantTx } from '../tenant.ts';

export type GwsConnectionRow = typeof pfGwsConnections.$inferSelect;

export async function activeGwsConnection(tx: TenantTx): Promise<GwsConnectionRow | undefined> {
  const [row] = await tx.select().from(pfGwsConnections).where(eq(pfGwsConnections.active, true)).limit(1);
  return row;
}

export async function gwsConnectionById(tx: TenantTx, id: string): Promise<GwsConnectionRow | undefined> {
  const [row] = await tx.select().from(pfGwsConnections).where(eq(pfGwsConnections.id, id)).limit(1);
  return row;
}

/** Deactivates the current client (kept for connections made with it) and activates a new one. */
export async function replaceActiveGwsConnection(
  tx: TenantTx,
  organizationId: string,
  oauthClientId: string,
  secretCredentialId: string,
): Promise<GwsConnectionRow> {
  await tx
    .update(pfGwsConnections)
    .set({ active: false, updatedAt: sql`now()` })
    .where(eq(pfGwsConnections.active, true));
  const [row] = await tx
    .insert(pfGwsConnections)
    .values({ organizationId, oauthClientId, oauthClientSecretCredentialId: secretCredentialId })
    .returning();
  if (!row) throw new Error('gws insert returned no row');
  return row;
}

export async function deactivateGwsConnection(tx: TenantTx): Promise<number> {
  const rows = await tx
    .update(pfGwsConnections)
    .set({ active: false, updatedAt: sql`now()` })
    .where(and(eq(pfGwsConnections.active, true)))
    .returning({ id: pfGwsConnections.id });
  return rows.length;
}
