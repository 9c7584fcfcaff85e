/**
 * Key rotation: re-encrypts every credential to the newest key version, organization by
 * organization, each batch in its own transaction under that organization's claims. Resumable and
 * safe to re-run (only rows on older versions are touched; concurrent runs skip locked rows).
 */
import { credentialsBelowVersion, updateSealedCredential } from '../../db/queries/credentials.ts';
import { vaultRotationOrganizations } from '../../db/queries/system.ts';
import { type Database, systemClaims, type TenantTx } from '../../db/tenant.ts';
import { open, seal } from './cipher.ts';
import type { VaultKeyring } from './keys.ts';

export interface RotationReport {
  organizations: number;
  reencrypted: number;
  /** Credentials no configured key opens (tampered or copied rows); reported, never retried in a loop. */
  failed: number;
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
 * forever. Each batch commits on its own and only touches rows still on an old version.
 */
export async function rotateCredentialBatch(
  tx: TenantTx,
  keyring: VaultKeyring,
  limit: number,
  afterId?: string,
): Promise<RotationBatch> {
  const rows = await credentialsBelowVersion(tx, keyring.currentVersion, limit, afterId);
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
    await updateSealedCredential(tx, row.id, await seal(keyring, binding, plaintext), row.keyVersion);
    reencrypted += 1;
  }
  return { scanned: rows.length, reencrypted, failed, lastId: rows.at(-1)?.id };
}

export async function rotateAllCredentials(
  database: Database,
  keyring: VaultKeyring,
  batchSize = 100,
): Promise<RotationReport> {
  const organizations = await database.asSystem((tx) =>
    vaultRotationOrganizations(tx, keyring.currentVersion),
  );
  const report: RotationReport = { organizations: organizations.length, reencrypted: 0, failed: 0 };
  for (const organizationId of organizations) {
    let afterId: string | undefined;
    for (;;) {
      const batch = await database.asTenant(systemClaims(organizationId), (tx) =>
        rotateCredentialBatch(tx, keyring, batchSize, afterId),
      );
      report.reencrypted += batch.reencrypted;
      report.failed += batch.failed;
      afterId = batch.lastId;
      if (batch.scanned < batchSize) break;
    }
  }
  return report;
}
