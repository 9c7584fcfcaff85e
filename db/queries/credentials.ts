/**
 * PF-76 credential vault rows. Rows only: sealing and opening happen in worker/vault/store.ts, the one
 * place plaintext crosses into or out of the vault; these functions only ever see ciphertext.
 */
import { and, asc, eq, gt, inArray, lt } from 'drizzle-orm';
import { pfCredentials } from '../schema.ts';
import type { TenantTx } from '../tenant.ts';

export type CredentialRow = typeof pfCredentials.$inferSelect;
export type CredentialKind = CredentialRow['kind'];
export type SealedValue = Pick<CredentialRow, 'ciphertext' | 'iv' | 'keyVersion'>;
export type NewCredentialRow = Pick<CredentialRow, 'id' | 'organizationId' | 'kind'> & SealedValue;

/** Inserts sealed credentials in one statement (one round trip). */
export async function insertCredentials(tx: TenantTx, rows: NewCredentialRow[]): Promise<void> {
  if (rows.length) await tx.insert(pfCredentials).values(rows);
}

/** The credential row if visible to the caller (RLS), else undefined. */
export async function findCredential(tx: TenantTx, id: string): Promise<CredentialRow | undefined> {
  const [row] = await tx.select().from(pfCredentials).where(eq(pfCredentials.id, id)).limit(1);
  return row;
}

/** Replaces the sealed value in place (same id, so links stay valid); `fromVersion` guards rotation races. */
export async function updateSealedCredential(
  tx: TenantTx,
  id: string,
  sealed: SealedValue,
  fromVersion?: number,
): Promise<void> {
  await tx
    .update(pfCredentials)
    .set(sealed)
    .where(
      and(
        eq(pfCredentials.id, id),
        fromVersion === undefined ? undefined : eq(pfCredentials.keyVersion, fromVersion),
      ),
    );
}

export async function deleteCredentials(tx: TenantTx, ids: Array<string | null | undefined>): Promise<void> {
  const present = ids.filter((id): id is string => Boolean(id));
  if (present.length) await tx.delete(pfCredentials).where(inArray(pfCredentials.id, present));
}

/**
 * Up to `limit` credentials of the caller's organization below `currentVersion`, ids after
 * `afterId`, locked (concurrent rotations skip each other's rows).
 */
export async function credentialsBelowVersion(
  tx: TenantTx,
  currentVersion: number,
  limit: number,
  afterId?: string,
): Promise<CredentialRow[]> {
  return tx
    .select()
    .from(pfCredentials)
    .where(
      and(lt(pfCredentials.keyVersion, currentVersion), afterId ? gt(pfCredentials.id, afterId) : undefined),
    )
    .orderBy(asc(pfCredentials.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}
