/**
 * PF-76 credential vault rows. Only sealed values touch the database; `storeCredential` and
 * `readCredential` are the one place plaintext crosses into or out of the vault.
 */
import { and, asc, eq, gt, inArray, lt } from 'drizzle-orm';
import { type CredentialKind, open, seal } from '../../worker/vault/cipher.ts';
import type { VaultKeyring } from '../../worker/vault/keys.ts';
import { pfCredentials } from '../schema.ts';
import type { TenantTx } from '../tenant.ts';

export async function storeCredential(
  tx: TenantTx,
  keyring: VaultKeyring,
  organizationId: string,
  kind: CredentialKind,
  plaintext: string,
): Promise<string> {
  const id = crypto.randomUUID();
  const sealed = await seal(keyring, { organizationId, id, kind }, plaintext);
  await tx.insert(pfCredentials).values({ id, organizationId, kind, ...sealed });
  return id;
}

/** Several credentials of one organization in one INSERT (one round trip); ids in input order. */
export async function storeCredentials(
  tx: TenantTx,
  keyring: VaultKeyring,
  organizationId: string,
  items: Array<{ kind: CredentialKind; plaintext: string }>,
): Promise<string[]> {
  if (items.length === 0) return [];
  const rows = await Promise.all(
    items.map(async ({ kind, plaintext }) => {
      const id = crypto.randomUUID();
      return { id, organizationId, kind, ...(await seal(keyring, { organizationId, id, kind }, plaintext)) };
    }),
  );
  await tx.insert(pfCredentials).values(rows);
  return rows.map((r) => r.id);
}

/** Plaintext of a credential visible to the caller (RLS), or undefined when there is no such row. */
export async function readCredential(
  tx: TenantTx,
  keyring: VaultKeyring,
  id: string,
): Promise<string | undefined> {
  const [row] = await tx.select().from(pfCredentials).where(eq(pfCredentials.id, id)).limit(1);
  if (!row) return undefined;
  return open(keyring, { organizationId: row.organizationId, id: row.id, kind: row.kind }, row);
}

/** Replaces the sealed value of an existing credential in place (same id, so links stay valid). */
export async function replaceCredential(
  tx: TenantTx,
  keyring: VaultKeyring,
  id: string,
  organizationId: string,
  kind: CredentialKind,
  plaintext: string,
): Promise<void> {
  const sealed = await seal(keyring, { organizationId, id, kind }, plaintext);
  await tx.update(pfCredentials).set(sealed).where(eq(pfCredentials.id, id));
}

export async function deleteCredentials(tx: TenantTx, ids: Array<string | null | undefined>): Promise<void> {
  const present = ids.filter((id): id is string => Boolean(id));
  if (present.length) await tx.delete(pfCredentials).where(inArray(pfCredentials.id, present));
}

export interface RotationBatch {
  /** Rows looked at (0 → the organization is done). */
  scanned: number;
  reencrypted: number;
  /** Rows that do not decrypt with any configured key (tampered or copied); left untouched. */
  failed: number;
  lastId: string | undefined;
}

/**
 * Re-encrypts up to `limit` credentials of the caller's organization that are not on the newest key
 * version, walking ids after `afterId` so an undecryptable row is passed over instead of retried
 * forever. Safe to re-run and resumable: each batch commits on its own and only touches rows still
 * on an old version; concurrent runs skip each other's locked rows.
 */
export async function rotateCredentialBatch(
  tx: TenantTx,
  keyring: VaultKeyring,
  limit: number,
  afterId?: string,
): Promise<RotationBatch> {
  const rows = await tx
    .select()
    .from(pfCredentials)
    .where(
      and(
        lt(pfCredentials.keyVersion, keyring.currentVersion),
        afterId ? gt(pfCredentials.id, afterId) : undefined,
      ),
    )
    .orderBy(asc(pfCredentials.id))
    .limit(limit)
    .for('update', { skipLocked: true });
  let reencrypted = 0;
  let failed = 0;
  for (const row of rows) {
    const binding = { organizationId: row.organizationId, id: row.id, kind: row.kind };
    let plaintext: string;
    try {
      plaintext = await open(keyring, binding, row);
    } catch {
      failed += 1;
      continue;
    }
    const resealed = await seal(keyring, binding, plaintext);
    await tx
      .update(pfCredentials)
      .set(resealed)
      .where(and(eq(pfCredentials.id, row.id), eq(pfCredentials.keyVersion, row.keyVersion)));
    reencrypted += 1;
  }
  return { scanned: rows.length, reencrypted, failed, lastId: rows.at(-1)?.id };
}
