/**
 * The one place plaintext crosses into or out of the credential vault (PF-76): seal + insert, select +
 * open, seal + update. db/queries/credentials.ts below it only ever sees ciphertext.
 */
import {
  type CredentialKind,
  deleteCredentials,
  findCredential,
  insertCredentials,
  type NewCredentialRow,
  updateSealedCredential,
} from '../../db/queries/credentials.ts';
import type { TenantTx } from '../../db/tenant.ts';
import { open, seal } from './cipher.ts';
import type { VaultKeyring } from './keys.ts';

export { deleteCredentials, insertCredentials };

/** Seals credentials of one organization into new vault rows (not yet inserted); input order kept. */
export async function sealCredentials(
  keyring: VaultKeyring,
  organizationId: string,
  items: Array<{ kind: CredentialKind; plaintext: string }>,
): Promise<NewCredentialRow[]> {
  return Promise.all(
    items.map(async ({ kind, plaintext }) => {
      const id = crypto.randomUUID();
      return { id, organizationId, kind, ...(await seal(keyring, { organizationId, id, kind }, plaintext)) };
    }),
  );
}

/** Several credentials of one organization in one INSERT (one round trip); ids in input order. */
export async function storeCredentials(
  tx: TenantTx,
  keyring: VaultKeyring,
  organizationId: string,
  items: Array<{ kind: CredentialKind; plaintext: string }>,
): Promise<string[]> {
  const rows = await sealCredentials(keyring, organizationId, items);
  await insertCredentials(tx, rows);
  return rows.map((r) => r.id);
}

export async function storeCredential(
  tx: TenantTx,
  keyring: VaultKeyring,
  organizationId: string,
  kind: CredentialKind,
  plaintext: string,
): Promise<string> {
  const [id] = await storeCredentials(tx, keyring, organizationId, [{ kind, plaintext }]);
  if (!id) throw new Error('credential insert returned no id');
  return id;
}

/** Plaintext of a credential visible to the caller (RLS), or undefined when there is no such row. */
export async function readCredential(
  tx: TenantTx,
  keyring: VaultKeyring,
  id: string,
): Promise<string | undefined> {
  const row = await findCredential(tx, id);
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
  await updateSealedCredential(tx, id, await seal(keyring, { organizationId, id, kind }, plaintext));
}
