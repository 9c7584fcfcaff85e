/** Calendar connections: typed queries inside a tenant transaction (RLS decides visibility). */
import { eq } from 'drizzle-orm';
import { ceCalendarConnections } from '../schema.ts';
import type { TenantTx } from '../tenant.ts';

export type ConnectionRow = typeof ceCalendarConnections.$inferSelect;

/** The connection if the caller may see it (owner, or view-all within the org); else undefined. */
export async function findVisibleConnection(tx: TenantTx, id: string): Promise<ConnectionRow | undefined> {
  const [row] = await tx
    .select()
    .from(ceCalendarConnections)
    .where(eq(ceCalendarConnections.id, id))
    .limit(1);
  return row;
}
